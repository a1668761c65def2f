package io.drover.coap;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;
import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/**
 * One file sent to a Particle device with Device OS's legacy update protocol
 * (communication/src/chunked_transfer.cpp; the gcc platform and Gen 2 speak only this one), in its
 * acknowledged ("slow") mode, where every chunk is confirmed before the next goes and so none can go
 * missing:
 *
 * <pre>
 * cloud  CON POST /u  token t, payload: flags u8 (0), chunk size u16, file size u32, store u8 (0), address u32 (0)
 * device empty ACK, then CON 2.04 "UpdateReady" with token t     (5.03 piggybacked: refused)
 * cloud  CON POST /c  token, Uri-Query: CRC-32 of the chunk (u32), payload: the chunk   (one after the other)
 * device empty ACK, then CON 2.04 (stored) or 4.00 (bad CRC: sent again)
 * cloud  CON PUT /u   token
 * device ACK 2.04: the file is whole; it validates and applies it, and restarts     (4.00: chunks missing)
 * </pre>
 *
 * Integers big-endian. Device OS reads the requests at fixed offsets: a 1-byte token and the one
 * Uri-Path ({@link DevicePeer#requestWithShortToken}). Not thread-safe; each step starts from the last one's
 * completion, on a Californium thread.
 */
public final class ParticleFirmwareUpdate {

  /** Device OS's chunk size on every platform ({@code HAL_OTA_ChunkSize}), also what its Hello reports. */
  public static final int CHUNK_SIZE = 512;
  /** A chunk the device says arrived corrupt is sent again this many times before the update fails. */
  static final int MAX_RESENDS = 3;

  private final DevicePeer peer;
  private final byte[] file;
  private final int chunkSize;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private int resends;
  /** The request under way, cancelled should the transfer be. */
  private volatile CompletableFuture<CoapReply> current;

  private ParticleFirmwareUpdate(DevicePeer peer, byte[] file, int chunkSize) {
    this.peer = peer;
    this.file = file;
    this.chunkSize = chunkSize;
  }

  /**
   * Sends {@code file} (a Particle module binary, as the device flashes it) over the peer's DTLS session.
   *
   * @return completes when the device took the whole file (it then applies it and restarts); fails with
   *     the step that went wrong, or cancels the transfer when cancelled
   */
  public static CompletableFuture<Void> send(DevicePeer peer, byte[] file, int chunkSize) {
    ParticleFirmwareUpdate update = new ParticleFirmwareUpdate(peer, file, chunkSize > 0 ? chunkSize : CHUNK_SIZE);
    update.done.whenComplete((ignored, error) -> {
      CompletableFuture<CoapReply> underWay = update.current;
      if (underWay != null) {
        underWay.cancel(false);
      }
    });
    update.begin();
    return update.done;
  }

  private void begin() {
    byte[] begin = ByteBuffer.allocate(12).put((byte) 0).putShort((short) chunkSize).putInt(file.length).put((byte) 0).putInt(0).array();
    step(Code.POST, "u", List.of(), begin, reply -> {
      if (reply.code() != ResponseCode.CHANGED) {
        fail("the device refused the update: " + reply.code() + " " + reply.text());
      } else {
        chunk(0);
      }
    });
  }

  private void chunk(int index) {
    int offset = index * chunkSize;
    if (offset >= file.length) {
      finish();
      return;
    }
    int length = Math.min(chunkSize, file.length - offset);
    CRC32 crc = new CRC32();
    crc.update(file, offset, length);
    byte[] chunk = new byte[length];
    System.arraycopy(file, offset, chunk, 0, length);
    step(Code.POST, "c", List.of(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array()), chunk, reply -> {
      if (reply.code() == ResponseCode.CHANGED) {
        resends = 0;
        chunk(index + 1);
      } else if (reply.code() == ResponseCode.BAD_REQUEST && resends++ < MAX_RESENDS) {
        chunk(index);
      } else {
        fail("chunk " + index + " refused: " + reply.code());
      }
    });
  }

  private void finish() {
    step(Code.PUT, "u", List.of(), null, reply -> {
      if (reply.code() == ResponseCode.CHANGED) {
        done.complete(null);
      } else {
        fail("the device did not take the whole file: " + reply.code() + " " + reply.text());
      }
    });
  }

  /** One request with the next token; a cancelled transfer sends nothing more. */
  private void step(Code method, String path, List<byte[]> options, byte[] payload, java.util.function.Consumer<CoapReply> then) {
    if (done.isDone()) {
      return;
    }
    CompletableFuture<CoapReply> request = peer.requestWithShortToken(method, path, options, payload);
    current = request;
    request.whenComplete((reply, error) -> {
      if (error != null) {
        fail(error.getMessage());
      } else {
        then.accept(reply);
      }
    });
  }

  private void fail(String reason) {
    done.completeExceptionally(new IllegalStateException(reason));
  }
}
