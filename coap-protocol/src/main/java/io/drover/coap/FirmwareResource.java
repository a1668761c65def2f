package io.drover.coap;

import java.util.Arrays;
import java.util.List;
import org.eclipse.californium.core.coap.BlockOption;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;

/**
 * {@code GET /fw/{version}} in Block2 blocks, and {@code POST /fw/result}. The blocks are cut here,
 * not by Californium's transparent blockwise layer: each request names the block it wants (RFC 7959
 * section 2.4), so a device that lost its session resumes at the block it needs, on any node, with no
 * blockwise state kept between requests.
 */
final class FirmwareResource extends DeviceResource {

  static final String NAME = "fw";
  /** SZX 5: 512-byte blocks, which fit the 1,024-byte messages of section 7 with room for the header. */
  static final int MAX_SZX = 5;
  private final DeviceRequestHandler handler;

  FirmwareResource(DeviceRequestHandler handler) {
    super(NAME);
    this.handler = handler;
  }

  @Override
  public Resource getChild(String name) {
    return this;
  }

  @Override
  public void handleGET(CoapExchange exchange) {
    DevicePeer peer = authenticated(exchange);
    if (peer == null) {
      return;
    }
    List<String> path = exchange.getRequestOptions().getUriPath();
    int version = path.size() == 2 ? parseVersion(path.get(1)) : -1;
    if (version <= 0) {
      exchange.respond(ResponseCode.NOT_FOUND, "GET /fw/{version}");
      return;
    }
    BlockOption asked = exchange.getRequestOptions().getBlock2();
    int szx = asked == null ? MAX_SZX : Math.min(asked.getSzx(), MAX_SZX);
    int num = asked == null ? 0 : asked.getNum();
    handler.onFirmware(peer, version).whenComplete((reply, error) -> {
      if (error != null) {
        exchange.respond(ResponseCode.INTERNAL_SERVER_ERROR);
        return;
      }
      if (!reply.isSuccess()) {
        Response refusal = new Response(reply.code());
        refusal.setPayload(reply.payload());
        exchange.respond(refusal);
        return;
      }
      byte[] binary = reply.payload();
      int blockSize = 1 << (szx + 4);
      long from = (long) num * blockSize;
      if (from >= binary.length) {
        exchange.respond(ResponseCode.BAD_OPTION, "block " + num + " is beyond the binary's " + binary.length + " bytes");
        return;
      }
      int to = (int) Math.min(from + blockSize, binary.length);
      Response response = new Response(ResponseCode.CONTENT);
      response.setPayload(Arrays.copyOfRange(binary, (int) from, to));
      response.getOptions().setBlock2(szx, to < binary.length, num).setSize2(binary.length);
      exchange.respond(response);
    });
  }

  @Override
  public void handlePOST(CoapExchange exchange) {
    DevicePeer peer = authenticated(exchange);
    if (peer == null) {
      return;
    }
    List<String> path = exchange.getRequestOptions().getUriPath();
    if (path.size() != 2 || !path.get(1).equals("result")) {
      exchange.respond(ResponseCode.NOT_FOUND, "POST /fw/result");
      return;
    }
    respondWhenDone(exchange, handler.onFirmwareResult(peer, exchange.getRequestPayload()));
  }

  private static int parseVersion(String text) {
    if (text.isEmpty() || text.length() > 9) {
      return -1;
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return -1;
      }
    }
    return Integer.parseInt(text);
  }
}
