package io.drover.coap;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.server.resources.CoapExchange;

/**
 * A resource of the device tree. Its requests run on the given executor (the gateway's Vert.x context),
 * so Californium's threads only decode and hand over. A resource maps the wire to a handler call and
 * the handler's reply back to the wire, and nothing else.
 */
abstract class DeviceResource extends CoapResource {

  private final Executor executor;

  DeviceResource(String name, Executor executor) {
    super(name);
    this.executor = executor;
  }

  @Override
  public Executor getExecutor() {
    return executor;
  }

  /** @return the authenticated device, or null after answering 4.01 (plain CoAP carries no identity) */
  static DevicePeer authenticated(CoapExchange exchange) {
    DevicePeer peer = DevicePeer.of(exchange.advanced().getRequest().getSourceContext(), exchange.advanced().getEndpoint());
    if (peer == null) {
      exchange.respond(ResponseCode.UNAUTHORIZED, "use CoAP over DTLS with the device ID as PSK identity");
    }
    return peer;
  }

  /** Sends the handler's reply when it comes; the stage may complete on any thread. */
  static void respondWhenDone(CoapExchange exchange, CompletionStage<CoapReply> reply) {
    reply.whenComplete((answer, error) -> {
      if (error != null) {
        exchange.respond(ResponseCode.INTERNAL_SERVER_ERROR);
        return;
      }
      Response response = new Response(answer.code());
      if (answer.payload().length > 0) {
        response.setPayload(answer.payload());
      }
      exchange.respond(response);
    });
  }
}
