package io.drover.gateway.handshake;

import io.vertx.core.json.JsonObject;

/**
 * Pushed delivery's opening message ({@code c/fw/offer}, docs/device-protocol.md section 8.3): the
 * binary's version, size and SHA-256, and the chunk size and window the transfer uses.
 */
public record FirmwareOffer(int version, int size, String sha256, int chunkSize, int window) {

  public JsonObject toJson() {
    return new JsonObject().put("version", version).put("size", size).put("sha256", sha256).put("chunk_size", chunkSize).put("window", window);
  }
}
