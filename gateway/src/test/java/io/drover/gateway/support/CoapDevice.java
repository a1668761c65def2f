package io.drover.gateway.support;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.BlockOption;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.CoAP.Type;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/**
 * A device over CoAP and DTLS with a pre-shared key, a raw public key or an X.509 certificate, on loopback (docs/device-protocol.md sections 7 to
 * 9). One instance is one DTLS session: it sends its requests to the gateway and, over the same
 * session, serves the cloud's: {@code POST /f/{name}}, {@code GET /v/{name}}, {@code PUT /s},
 * {@code PUT /h} (flash now) and {@code PUT /cfg} (tracker settings). Firmware is fetched one Block2
 * block at a time, as a constrained device does, so transparent blockwise handling is off.
 */
public final class CoapDevice implements DeviceLink {

  /** How the device proves itself in its DTLS handshake. */
  public sealed interface Credentials {

    /** PSK: the device ID as identity, the secret's characters as the key (docs/device-protocol.md section 7.1). */
    record Psk(String identity, String secret) implements Credentials {
    }

    /** An ECDSA P-256 raw public key (RFC 7250); the node's raw key is trusted as it comes. */
    record RawPublicKey(KeyPair key) implements Credentials {
    }

    /** An X.509 certificate; the node's certificate must chain to {@code serverCa}. */
    record Certificate(PrivateKey key, X509Certificate certificate, X509Certificate serverCa) implements Credentials {
    }
  }

  /** How long a refused handshake's alert may trail the failure of the request it was for. */
  private static final Duration ALERT_WAIT = Duration.ofSeconds(2);

  /** How Scandium words the fatal alert that failed a handshake: "Received 'fatal alert/CERTIFICATE_REVOKED'". */
  private static final Pattern RECEIVED_ALERT = Pattern.compile("fatal alert/([A-Z_]+)");
  private static final long ANSWER_MILLIS = 10_000;
  /** SZX 5: 512-byte blocks, the most the gateway serves. */
  private static final int BLOCK_SZX = 5;

  private final InetSocketAddress gateway;
  private final CoapEndpoint endpoint;
  private final CoapServer server;
  private final Recorded<Call> calls = new Recorded<>();
  private final Recorded<JsonObject> settings = new Recorded<>();
  private final Recorded<String> handshakeNotices = new Recorded<>();
  private final Map<String, Function<String, String>> functions = new ConcurrentHashMap<>();
  private final Map<String, String> variables = new ConcurrentHashMap<>();
  /** The alerts the node sent, by their RFC 5246 names ("certificate_expired"). */
  private final Recorded<String> alerts = new Recorded<>();
  private volatile boolean ended;

  private CoapDevice(int port, Credentials credentials) {
    gateway = new InetSocketAddress("127.0.0.1", port);
    Configuration config = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
    config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 200, TimeUnit.MILLISECONDS);
    config.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 2);
    config.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, 0);
    DtlsConnectorConfig.Builder dtls = DtlsConnectorConfig.builder(config);
    if (credentials instanceof Credentials.Psk psk) {
      dtls.setAdvancedPskStore(new AdvancedSinglePskStore(psk.identity(), psk.secret().getBytes(StandardCharsets.US_ASCII)));
    } else if (credentials instanceof Credentials.RawPublicKey raw) {
      dtls.setCertificateIdentityProvider(new SingleCertificateProvider(raw.key().getPrivate(), raw.key().getPublic()))
          .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder().setTrustAllRPKs().build());
    } else if (credentials instanceof Credentials.Certificate x509) {
      dtls.setCertificateIdentityProvider(new SingleCertificateProvider(x509.key(), new X509Certificate[] {x509.certificate()}))
          .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder().setTrustedCertificates(x509.serverCa()).build());
    }
    DTLSConnector connector = new DTLSConnector(dtls.build());
    connector.setAlertHandler((peer, alert) -> alerts.add(alert.getDescription().name().toLowerCase(Locale.ROOT)));
    endpoint = CoapEndpoint.builder().setConfiguration(config).setConnector(connector).build();
    server = new CoapServer(config);
    server.addEndpoint(endpoint);
    server.add(
        new Named("f", (exchange, name) -> {
          String argument = exchange.getRequestText();
          calls.add(new Call("function", name, argument));
          Function<String, String> function = functions.get(name);
          String result = function == null ? null : function.apply(argument);
          if (function == null) {
            exchange.respond(ResponseCode.NOT_FOUND);
          } else if (result != null) { // null: this firmware never answers
            exchange.respond(ResponseCode.CONTENT, result);
          }
        }),
        new Named("v", (exchange, name) -> {
          calls.add(new Call("variable", name, exchange.getRequestText()));
          String value = variables.get(name);
          exchange.respond(value == null ? ResponseCode.NOT_FOUND : ResponseCode.CONTENT, value == null ? "" : value);
        }),
        new Put("s", text -> calls.add(new Call("signal", "", text))),
        new Put("h", handshakeNotices::add),
        new Put("cfg", text -> settings.add(new JsonObject(text))));
    server.start();
  }

  /**
   * Shakes hands and declares {@link DeviceLink#OPENING_DESCRIPTION}: the gateway sees a device online
   * from its first request over a DTLS session.
   */
  public static CoapDevice open(int port, String deviceId, String secret) throws Exception {
    return open(port, new Credentials.Psk(deviceId, secret));
  }

  /** {@link #open(int, String, String)} with any credentials. */
  public static CoapDevice open(int port, Credentials credentials) throws Exception {
    CoapDevice device = new CoapDevice(port, credentials);
    WireAnswer described = device.describe(OPENING_DESCRIPTION);
    if (!described.text().equals("2.04")) {
      device.close();
      throw new AssertionError("the opening description was answered " + described);
    }
    return device;
  }

  /** @return what a first request with these credentials gets: "2.04", or "handshake failed" */
  public static WireAnswer firstRequest(int port, String deviceId, String secret) throws Exception {
    CoapDevice device = new CoapDevice(port, new Credentials.Psk(deviceId, secret));
    try {
      return device.describe(OPENING_DESCRIPTION);
    } finally {
      device.close();
    }
  }

  /**
   * @return what a first request with these credentials gets: "2.04"; "alert certificate_expired" when
   *     the node refused the handshake with that fatal alert (RFC 5246 section 7.2); "handshake failed"
   *     when it sent none
   */
  public static WireAnswer firstRequestOrAlert(int port, Credentials credentials) throws Exception {
    CoapDevice device = new CoapDevice(port, credentials);
    try {
      WireAnswer answer = device.describe(OPENING_DESCRIPTION);
      if (!answer.text().equals("handshake failed")) {
        return answer;
      }
      try {
        return new WireAnswer("alert " + device.alerts.awaitFirst(0, any -> true, ALERT_WAIT, "an alert from the node"));
      } catch (AssertionError none) {
        return answer;
      }
    } finally {
      device.close();
    }
  }

  @Override
  public WireAnswer publish(String name, byte[] data, boolean durable) throws Exception {
    Request request = Request.newPost();
    request.setType(durable ? Type.CON : Type.NON);
    // an event name may hold '/', carried as several Uri-Path options; an empty name is one empty option
    String[] segments = name.isEmpty() ? new String[] {""} : name.split("/", -1);
    return answerOf(send(request, data, prepend("e", segments)), request);
  }

  @Override
  public WireAnswer describe(String description) throws Exception {
    Request request = Request.newPost();
    return answerOf(send(request, description.getBytes(StandardCharsets.UTF_8), "d"), request);
  }

  @Override
  public JsonObject handshake(JsonObject handshake) throws Exception {
    Request request = Request.newPost();
    Response response = send(request, handshake.toBuffer().getBytes(), "h");
    if (response == null || response.getCode() != ResponseCode.CHANGED) {
      throw new AssertionError("the handshake was answered " + answerOf(response, request));
    }
    return new JsonObject(response.getPayloadString());
  }

  @Override
  public WireAnswer sendHandshake(JsonObject handshake) throws Exception {
    Request request = Request.newPost();
    return answerOf(send(request, handshake.toBuffer().getBytes(), "h"), request);
  }

  /** Fetches the offered binary block by block (RFC 7959 section 2.4: each request names its block). */
  @Override
  public FirmwareDownload downloadFirmware(JsonObject handshakeAnswer) throws Exception {
    int version = handshakeAnswer.getInteger("target_version");
    ByteArrayOutputStream binary = new ByteArrayOutputStream();
    boolean more = true;
    for (int num = 0; more; num++) {
      Request request = Request.newGet();
      request.getOptions().setBlock2(BLOCK_SZX, false, num);
      Response response = send(request, null, "fw", Integer.toString(version));
      if (response == null || response.getCode() != ResponseCode.CONTENT) {
        throw new AssertionError("block " + num + " of version " + version + " was answered " + answerOf(response, request));
      }
      BlockOption block = response.getOptions().getBlock2();
      binary.write(response.getPayload());
      more = block != null && block.isM();
    }
    return new FirmwareDownload(version, handshakeAnswer.getInteger("size"), handshakeAnswer.getString("sha256"), binary.toByteArray());
  }

  @Override
  public WireAnswer reportFirmwareResult(int version, boolean verified) throws Exception {
    JsonObject result = new JsonObject().put("version", version).put("status", verified ? "verified" : "failed");
    Request request = Request.newPost();
    return answerOf(send(request, result.toBuffer().getBytes(), "fw", "result"), request);
  }

  @Override
  public JsonObject awaitSettings() {
    return settings.awaitFirst(any -> true, "settings on PUT /cfg");
  }

  @Override
  public WireAnswer acknowledgeSettings(String checksum) throws Exception {
    Request request = Request.newPost();
    return answerOf(send(request, new JsonObject().put("checksum", checksum).toBuffer().getBytes(), "cfg", "ack"), request);
  }

  @Override
  public void serveFunction(String function, Function<String, String> body) {
    functions.put(function, body);
  }

  @Override
  public void serveVariable(String variable, String value) {
    variables.put(variable, value);
  }

  @Override
  public Recorded<Call> calls() {
    return calls;
  }

  @Override
  public JsonObject awaitHandshakeNotice(java.util.function.Predicate<JsonObject> match) throws Exception {
    return new JsonObject(handshakeNotices.awaitFirst(notice -> match.test(new JsonObject(notice)), "a handshake answer on PUT /h"));
  }

  /** What the cloud sent to {@code PUT /h} ("flash now"). */
  public Recorded<String> handshakeNotices() {
    return handshakeNotices;
  }

  /** CoAP has no message that says "your session was taken over": the device learns nothing. */
  @Override
  public WireAnswer awaitTakenOver() {
    return null;
  }

  @Override
  public boolean isOpen() {
    return !ended;
  }

  /**
   * Makes the next request resume the DTLS session with an abbreviated handshake (RFC 5246 section
   * 7.3: a ClientHello with the session's ID), as a device waking from sleep with its session kept does.
   */
  public void forceResumption() {
    ((DTLSConnector) endpoint.getConnector()).forceResumeSessionFor(gateway);
  }

  /**
   * @return the answer to a confirmable event, or, when its handshake was refused, "alert
   *     certificate_revoked" with the fatal alert the node sent ("handshake failed" when it sent none)
   */
  public WireAnswer publishOrAlert(String name, byte[] data) throws Exception {
    int alertsBefore = alerts.size();
    Request request = Request.newPost();
    WireAnswer answer = answerOf(send(request, data, "e", name), request);
    if (!answer.text().equals("handshake failed")) {
      return answer;
    }
    // Scandium reports a fatal alert that ends a handshake of a connection it had to the request, not always to its alert handler
    Matcher received = RECEIVED_ALERT.matcher(String.valueOf(request.getSendError().getMessage()));
    if (received.find()) {
      return new WireAnswer("alert " + received.group(1).toLowerCase(Locale.ROOT));
    }
    try {
      return new WireAnswer("alert " + alerts.awaitFirst(alertsBefore, alert -> !alert.equals("close_notify"), ALERT_WAIT, "an alert from the node"));
    } catch (AssertionError none) {
      return answer;
    }
  }

  /** Ends the DTLS session with a close_notify alert (RFC 6347 section 4.2.7), as a device going to sleep for good does. */
  @Override
  public void end() {
    ended = true;
    ((DTLSConnector) endpoint.getConnector()).close(gateway);
  }

  @Override
  public void close() {
    ended = true;
    server.destroy();
  }

  private Response send(Request request, byte[] payload, String... path) throws InterruptedException {
    request.setURI("coaps://" + gateway.getHostString() + ":" + gateway.getPort());
    request.getOptions().clearUriPath();
    for (String segment : path) {
      request.getOptions().addUriPath(segment);
    }
    if (payload != null && payload.length > 0) {
      request.setPayload(payload);
    }
    endpoint.sendRequest(request);
    return request.waitForResponse(ANSWER_MILLIS);
  }

  /** "2.04", "4.29 Max-Age 1": the response code as RFC 7252 section 5.9 writes it, and the Max-Age option when the gateway set one. */
  private static WireAnswer answerOf(Response response, Request request) {
    if (response != null) {
      ResponseCode code = response.getCode();
      String maxAge = response.getOptions().hasMaxAge() ? " Max-Age " + response.getOptions().getMaxAge() : "";
      return new WireAnswer(code.codeClass + "." + String.format("%02d", code.codeDetail) + maxAge);
    }
    return new WireAnswer(request.getSendError() != null ? "handshake failed" : "no response");
  }

  private static String[] prepend(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  /** A resource that takes any name below it: {@code /f/led} calls {@code handler} with "led". */
  private static final class Named extends CoapResource {

    private final BiConsumer<CoapExchange, String> handler;

    Named(String name, BiConsumer<CoapExchange, String> handler) {
      super(name);
      this.handler = handler;
    }

    @Override
    public Resource getChild(String name) {
      return this;
    }

    @Override
    public void handleGET(CoapExchange exchange) {
      handle(exchange);
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
      handle(exchange);
    }

    private void handle(CoapExchange exchange) {
      List<String> path = exchange.getRequestOptions().getUriPath();
      handler.accept(exchange, path.size() > 1 ? path.get(path.size() - 1) : "");
    }
  }

  /** A resource the cloud PUTs text to; the device records it and answers 2.04. */
  private static final class Put extends CoapResource {

    private final java.util.function.Consumer<String> record;

    Put(String name, java.util.function.Consumer<String> record) {
      super(name);
      this.record = record;
    }

    @Override
    public void handlePUT(CoapExchange exchange) {
      record.accept(exchange.getRequestText());
      exchange.respond(ResponseCode.CHANGED);
    }
  }
}
