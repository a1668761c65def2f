package io.drover.coap;

import java.net.InetSocketAddress;
import java.security.Principal;
import java.security.cert.CertificateEncodingException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.Type;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.coap.option.OpaqueOptionDefinition;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.Endpoint;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.auth.ExtensiblePrincipal;
import org.eclipse.californium.elements.auth.PreSharedKeyIdentity;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.eclipse.californium.elements.util.Bytes;

/**
 * The device at the other end of one DTLS session: who it is (from the handshake, never from the
 * payload), and a way to send it requests over that same session. Immutable.
 */
public final class DevicePeer {

  /**
   * An elective option number no standard uses, just after Uri-Path: Device OS reads the options of a
   * firmware chunk by position, and Californium's Uri-Query is a string, which would re-encode binary bytes.
   */
  private static final OpaqueOptionDefinition POSITIONAL_OPTION = new OpaqueOptionDefinition(16, "Particle-Positional", false);

  private final String deviceId;
  private final String sessionId;
  private final EndpointContext context;
  private final Endpoint endpoint;

  private DevicePeer(String deviceId, String sessionId, EndpointContext context, Endpoint endpoint) {
    this.deviceId = deviceId;
    this.sessionId = sessionId;
    this.context = context;
    this.endpoint = endpoint;
  }

  /**
   * The authenticated device behind a request's source context.
   *
   * @return null when the request carries no DTLS identity (plain CoAP)
   */
  static DevicePeer of(EndpointContext source, Endpoint endpoint) {
    String identity = identityOf(source.getPeerIdentity());
    if (identity == null) {
      return null;
    }
    Bytes session = source.get(DtlsEndpointContext.KEY_SESSION_ID);
    return new DevicePeer(identity, session == null ? "" : session.getAsString(), source, endpoint);
  }

  /**
   * The device ID a DTLS principal stands for: the PSK identity as the device sent it, or, for a raw
   * public key, the device that key was registered to (added to the principal by
   * {@link DeviceKeyVerifier} at the handshake).
   */
  static String identityOf(Principal principal) {
    if (principal instanceof PreSharedKeyIdentity psk) {
      return psk.getIdentity();
    }
    if (principal instanceof ExtensiblePrincipal<?> extensible) {
      return extensible.getExtendedInfo().get(DeviceKeyVerifier.DEVICE_ID, String.class);
    }
    return null;
  }

  /**
   * The DER of the X.509 certificate the device authenticated with in this DTLS session's handshake;
   * null for a pre-shared or raw public key. Encoded anew at each call: ask once per session.
   */
  public byte[] certificate() {
    if (context.getPeerIdentity() instanceof X509CertPath path) {
      try {
        return path.getTarget().getEncoded();
      } catch (CertificateEncodingException e) {
        return null;
      }
    }
    return null;
  }

  /**
   * Ends this DTLS session for good: the device is sent a close_notify alert and the node forgets the
   * session, so it cannot be resumed and the device's next record needs a new handshake. Returns at
   * once; a session the device has replaced meanwhile is left alone.
   */
  public void endSession() {
    if (endpoint instanceof CoapEndpoint coap && coap.getConnector() instanceof DeviceDtlsConnector dtls) {
      dtls.endSession(context.getPeerAddress(), context.get(DtlsEndpointContext.KEY_READ_CONNECTION_ID), sessionId);
    }
  }

  /** Whether the device came through the Particle listener ({@link ParticleDeviceServer}): it runs Device OS. */
  public boolean isParticle() {
    return endpoint instanceof CoapEndpoint coap && coap.getConnector() instanceof ParticleDtlsConnector;
  }

  /** The legacy OTA updates of the Particle listener the device came through; null for another listener. */
  ParticleUpdates particleUpdates() {
    return endpoint instanceof CoapEndpoint coap && coap.getConnector() instanceof ParticleDtlsConnector particle ? particle.updates : null;
  }

  /** The PSK identity as the device sent it; the gateway checks that it is a device ID. */
  public String deviceId() {
    return deviceId;
  }

  /** The DTLS session ID, in hex: a new handshake makes a new one. */
  public String sessionId() {
    return sessionId;
  }

  public InetSocketAddress address() {
    return context.getPeerAddress();
  }

  /**
   * Sends the device a confirmable request over this DTLS session (never starting a handshake) and
   * completes with its response, on a Californium thread. Cancelling the future cancels the request.
   * Fails with {@link DeviceUnreachable} when the device rejects the message, the CoAP retransmissions
   * run out, or the session is gone.
   */
  public CompletableFuture<CoapReply> request(Code method, String path, byte[] payload) {
    Request request = new Request(method);
    request.getOptions().setUriPath(path);
    return send(request, payload);
  }

  /**
   * As {@link #request(Code, String, byte[])}, with each Uri-Path and Uri-Query option given as is (a
   * Particle function name or argument may hold '/' or '&amp;'), in this order; an empty query is sent
   * as an option of length 0.
   */
  public CompletableFuture<CoapReply> request(Code method, List<String> path, List<String> query, byte[] payload) {
    Request request = new Request(method);
    for (String segment : path) {
      request.getOptions().addUriPath(segment);
    }
    for (String parameter : query) {
      request.getOptions().addUriQuery(parameter);
    }
    return send(request, payload);
  }

  private CompletableFuture<CoapReply> send(Request request, byte[] payload) {
    request.setDestinationContext(context);
    if (payload != null && payload.length > 0) {
      request.setPayload(payload);
    }
    return send(request);
  }

  /**
   * Sends the device an event it subscribed to, as Device OS takes it (communication/src/subscriptions.cpp,
   * {@code handle_event}): a confirmable {@code POST /e/{name}}, each '/'-separated part of the name its
   * own Uri-Path option (the device joins them with '/'), the data as text payload. Device OS answers with
   * an empty ACK and nothing more, so the future completes with the acknowledgement (or a piggybacked
   * response) and the exchange ends there instead of waiting for a response that never comes.
   */
  public CompletableFuture<Void> deliverEvent(String name, byte[] data) {
    Request request = new Request(Code.POST, Type.CON);
    request.setDestinationContext(context);
    // no token set here: the Particle endpoint's ParticleTokens makes a one-byte one, unique among this
    // device's requests in flight (Device OS takes tokens of at most one byte)
    request.getOptions().addUriPath("e");
    int start = 0;
    for (int slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', start)) {
      request.getOptions().addUriPath(name.substring(start, slash));
      start = slash + 1;
    }
    request.getOptions().addUriPath(name.substring(start));
    if (data.length > 0) {
      request.setPayload(data);
    }
    CompletableFuture<Void> acknowledged = new CompletableFuture<>();
    request.addMessageObserver(new MessageObserverAdapter() {
      @Override
      public void onAcknowledgement() {
        acknowledged.complete(null);
        request.cancel();
      }

      @Override
      public void onResponse(Response response) {
        acknowledged.complete(null);
      }

      @Override
      public void onReject() {
        acknowledged.completeExceptionally(new DeviceUnreachable("the device rejected the event"));
      }

      @Override
      public void onTimeout() {
        acknowledged.completeExceptionally(new DeviceUnreachable("the device did not acknowledge the event"));
      }

      @Override
      protected void failed() {
        acknowledged.completeExceptionally(new DeviceUnreachable("the event could not be sent over the device's session"));
      }
    });
    endpoint.sendRequest(request);
    return acknowledged;
  }

  /**
   * A confirmable request in the exact shape Device OS's fixed-offset parsers read
   * (communication/src/chunked_transfer.cpp): a 1-byte token (the Particle endpoint's {@link
   * io.drover.coap.particle.ParticleTokens}), one 1-character Uri-Path, then
   * {@code options} in their order, as opaque options right after the Uri-Path (each under 13 bytes, so
   * each has a one-byte option header: Device OS skips them by that header, whatever their number), then
   * the payload. Completes with the device's response, piggybacked or separate.
   */
  public CompletableFuture<CoapReply> requestWithShortToken(Code method, String path, List<byte[]> options, byte[] payload) {
    Request request = new Request(method, Type.CON);
    request.setDestinationContext(context);
    request.getOptions().addUriPath(path);
    for (byte[] option : options) {
      request.getOptions().addOption(POSITIONAL_OPTION.create(option));
    }
    if (payload != null && payload.length > 0) {
      request.setPayload(payload);
    }
    return send(request);
  }

  /**
   * As {@link #requestWithShortToken}, non-confirmable, for a request the device never answers (a fast OTA
   * chunk): completes once Californium handed it to the DTLS connector, and the exchange is then dropped
   * at once, which frees its token (a device has 256) instead of holding it until the NON lifetime ends.
   */
  public CompletableFuture<Void> sendWithShortToken(Code method, String path, List<byte[]> options, byte[] payload) {
    Request request = new Request(method, Type.NON);
    request.setDestinationContext(context);
    request.getOptions().addUriPath(path);
    for (byte[] option : options) {
      request.getOptions().addOption(POSITIONAL_OPTION.create(option));
    }
    if (payload != null && payload.length > 0) {
      request.setPayload(payload);
    }
    CompletableFuture<Void> sent = new CompletableFuture<>();
    request.addMessageObserver(new MessageObserverAdapter() {
      @Override
      public void onSent(boolean retransmission) {
        sent.complete(null);
        request.cancel();
      }

      @Override
      public void onSendError(Throwable error) {
        sent.completeExceptionally(new DeviceUnreachable("the request could not be sent over the device's session: " + error.getMessage()));
      }

      @Override
      protected void failed() {
        sent.completeExceptionally(new DeviceUnreachable("the request could not be sent over the device's session"));
      }
    });
    endpoint.sendRequest(request);
    return sent;
  }

  private CompletableFuture<CoapReply> send(Request request) {
    CompletableFuture<CoapReply> answer = new CompletableFuture<>();
    request.addMessageObserver(new MessageObserverAdapter() {
      @Override
      public void onResponse(Response response) {
        answer.complete(new CoapReply(response.getCode(), response.getPayload()));
      }

      @Override
      public void onReject() {
        answer.completeExceptionally(new DeviceUnreachable("the device rejected the request"));
      }

      @Override
      public void onTimeout() {
        answer.completeExceptionally(new DeviceUnreachable("the device did not acknowledge the request"));
      }

      @Override
      protected void failed() {
        answer.completeExceptionally(new DeviceUnreachable("the request could not be sent over the device's session"));
      }
    });
    answer.whenComplete((reply, error) -> {
      if (answer.isCancelled()) {
        request.cancel();
      }
    });
    endpoint.sendRequest(request);
    return answer;
  }

  /** A cloud-to-device request that got no response. */
  public static final class DeviceUnreachable extends RuntimeException {

    public DeviceUnreachable(String message) {
      super(message, null, false, false);
    }
  }
}
