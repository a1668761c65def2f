package io.drover.coap;

import org.eclipse.californium.core.server.resources.CoapExchange;

/** {@code POST /d}: the device declares its functions and variables (JSON, as over MQTT). */
final class DescribeResource extends DeviceResource {

  static final String NAME = "d";
  private final DeviceRequestHandler handler;

  DescribeResource(DeviceRequestHandler handler) {
    super(NAME);
    this.handler = handler;
  }

  @Override
  public void handlePOST(CoapExchange exchange) {
    DevicePeer peer = authenticated(exchange);
    if (peer != null) {
      respondWhenDone(exchange, handler.onDescribe(peer, exchange.getRequestPayload()));
    }
  }
}
