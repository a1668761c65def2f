package io.drover.coap;

import java.util.concurrent.Executor;
import org.eclipse.californium.core.server.resources.CoapExchange;

/** {@code POST /d}: the device declares its functions and variables (JSON, as over MQTT). */
final class DescribeResource extends DeviceResource {

  static final String NAME = "d";
  private final DeviceRequestHandler handler;

  DescribeResource(Executor executor, DeviceRequestHandler handler) {
    super(NAME, executor);
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
