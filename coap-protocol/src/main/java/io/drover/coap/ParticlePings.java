package io.drover.coap;

import org.eclipse.californium.core.coap.CoAP.Type;
import org.eclipse.californium.core.coap.EmptyMessage;
import org.eclipse.californium.core.coap.Token;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.core.network.serialization.DataSerializer;
import org.eclipse.californium.core.network.CoapEndpoint;

/**
 * Device OS's keep-alive: an empty CON every 25 s (hal/inc/hal_platform.h), which the Particle cloud
 * answers with an empty ACK. Californium answers an empty CON with a Reset, as RFC 7252 section 4.3
 * allows ("CoAP ping"), and Device OS takes a Reset as the end of its session. So this interceptor, the
 * first to see each received message, takes the empty CON out of Californium's path (cancelled, so the
 * endpoint neither rejects nor matches it) and answers it with an empty ACK of the same message ID,
 * serialized by the endpoint's serializer and sent over the same DTLS session. It needs no exchange: an
 * ACK to a ping is not retransmitted and matches nothing. The ping then counts as the device being heard
 * ({@link ParticleRequestHandler#onPing}).
 *
 * <p>Runs on the Californium thread that received the datagram; sends without waiting.
 */
final class ParticlePings extends MessageInterceptorAdapter {

  private final DataSerializer serializer;
  private final ParticleRequestHandler handler;
  private CoapEndpoint endpoint;

  ParticlePings(DataSerializer serializer, ParticleRequestHandler handler) {
    this.serializer = serializer;
    this.handler = handler;
  }

  /** The endpoint, known once it is built (the interceptor is added after, before it starts). */
  void sendThrough(CoapEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public void receiveEmptyMessage(EmptyMessage message) {
    if (message.getType() != Type.CON || !message.hasMID() || message.isCanceled()) {
      return;
    }
    message.setCanceled(true);
    EmptyMessage ack = EmptyMessage.newACK(message);
    ack.setToken(Token.EMPTY); // the matcher sets it on the way out; this ACK does not pass there
    endpoint.getConnector().send(serializer.serializeEmptyMessage(ack));
    DevicePeer peer = DevicePeer.of(message.getSourceContext(), endpoint);
    if (peer != null) {
      handler.onPing(peer);
    }
  }
}
