package io.drover.coap;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.server.resources.CoapExchange;

/**
 * A resource of the device tree. It runs on Californium's protocol-stage thread that delivered the
 * request and only maps the wire to a handler call and the handler's reply back to the wire: the
 * handler hands the work to the executor that owns the device's session (the gateway shards sessions
 * by device ID over several), so no resource is pinned to one of them.
 */
abstract class DeviceResource extends CoapResource {

  DeviceResource(String name) {
    super(name);
  }

  /** None: the request is handled on the Californium thread that delivered it (see the class comment). */
  @Override
  public Executor getExecutor() {
    return null;
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
      if (answer.maxAgeSeconds() >= 0) {
        response.getOptions().setMaxAge(answer.maxAgeSeconds());
      }
      exchange.respond(response);
    });
  }
}
