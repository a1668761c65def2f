package io.drover.coap;

import java.util.List;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;

/** {@code POST /cfg/ack}: the device applied Asset Tracker settings (docs/device-protocol.md section 9). */
final class ConfigResource extends DeviceResource {

  static final String NAME = "cfg";
  private final DeviceRequestHandler handler;

  ConfigResource(DeviceRequestHandler handler) {
    super(NAME);
    this.handler = handler;
  }

  @Override
  public Resource getChild(String name) {
    return this;
  }

  @Override
  public void handlePOST(CoapExchange exchange) {
    DevicePeer peer = authenticated(exchange);
    if (peer == null) {
      return;
    }
    List<String> path = exchange.getRequestOptions().getUriPath();
    if (path.size() != 2 || !path.get(1).equals("ack")) {
      exchange.respond(ResponseCode.NOT_FOUND, "POST /cfg/ack");
      return;
    }
    respondWhenDone(exchange, handler.onConfigAck(peer, exchange.getRequestPayload()));
  }
}
