package io.drover.coap;

import java.util.List;
import org.eclipse.californium.core.coap.CoAP.Type;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;

/**
 * {@code POST /e/{name}}: a device publishes an event. An event name may hold '/', which CoAP carries
 * as several Uri-Path options (RFC 7252 section 6.4), so every path below {@code e} lands here and the
 * segments are joined back with '/'.
 */
final class EventResource extends DeviceResource {

  static final String NAME = "e";
  private final DeviceRequestHandler handler;

  EventResource(DeviceRequestHandler handler) {
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
    String name = path.size() == 2 ? path.get(1) : String.join("/", path.subList(1, path.size()));
    boolean confirmable = exchange.advanced().getRequest().getType() == Type.CON;
    respondWhenDone(exchange, handler.onEvent(peer, name, exchange.getRequestPayload(), confirmable));
  }
}
