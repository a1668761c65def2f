package io.drover.coap;

import org.eclipse.californium.core.server.resources.CoapExchange;

/** {@code POST /h}: the device's handshake (docs/device-protocol.md section 8.4). */
final class HandshakeResource extends DeviceResource {

  static final String NAME = "h";
  private final DeviceRequestHandler handler;

  HandshakeResource(DeviceRequestHandler handler) {
    super(NAME);
    this.handler = handler;
  }

  @Override
  public void handlePOST(CoapExchange exchange) {
    DevicePeer peer = authenticated(exchange);
    if (peer != null) {
      respondWhenDone(exchange, handler.onHandshake(peer, exchange.getRequestPayload()));
    }
  }
}
