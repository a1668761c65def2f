package io.drover.coap;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/**
 * One file sent to a Particle device with Device OS's legacy update protocol
 * (communication/src/chunked_transfer.cpp; the gcc platform and Gen 2 speak only this one). The cloud
 * asks for its fast mode, as Particle's does; a device that answers without it gets the acknowledged
 * ("slow") mode:
 *
 * <pre>
 * cloud  CON POST /u  token t, payload: flags u8 (bit 0: fast), chunk size u16, file size u32, store u8 (0), address u32 (0)
 * device empty ACK, then CON 2.04 "UpdateReady" with token t, payload: flags u8 (bit 0: fast accepted)
 *                                                                (5.03 piggybacked: refused)
 * fast:  NON POST /c  options: CRC-32 of the chunk (u32), chunk index (u16); payload: the chunk    (all of them, paced)
 *        device says nothing (a bad CRC is a missing chunk)
 * slow:  CON POST /c  option: CRC-32; device empty ACK, then CON 2.04 (stored) or 4.00 (bad CRC: sent again)
 * cloud  CON PUT /u
 * device ACK 2.04: the file is whole; it validates and applies it, and restarts
 *        ACK 4.00 (fast: chunks missing), then CON GET /c, no token, payload: the missing indexes, u16 each
 *        (at most 40 at a time) -> the cloud ACKs, sends exactly those chunks, and PUT /u again
 * </pre>
 *
 * Integers big-endian. Device OS reads the requests at fixed offsets: a 1-byte token and the one
 * Uri-Path ({@link DevicePeer#requestWithShortToken}). Each step starts from the last one's completion,
 * on a Californium thread; a device's {@code GET /c} arrives on another ({@link #resend}), so
 * the state is guarded by this object's lock.
 */
public final class ParticleFirmwareUpdate {

  /** Device OS's chunk size on every platform ({@code HAL_OTA_ChunkSize}), also what its Hello reports. */
  public static final int CHUNK_SIZE = 512;
  /** A chunk the device says arrived corrupt (acknowledged mode) is sent again this many times before the update fails. */
  static final int MAX_RESENDS = 3;
  /**
   * Fast mode: how many times the device may answer {@code PUT /u} with chunks missing before the update
   * fails. Device OS lists at most 40 missing chunks per {@code GET /c} ({@code MISSED_CHUNKS_TO_SEND}),
   * growing with what the last round delivered, so a burst lost on a bad link needs several rounds.
   */
  static final int MAX_ROUNDS = 16;
  /**
   * Fast mode's pacing: a chunk goes only once Californium handed the last one to the socket, and this long
   * after it. So at most one chunk per device waits on the node's side, and a device takes at most 200
   * datagrams a second (about 100 KB/s of 512-byte chunks): Device OS reads one message per pass of its
   * loop, and a burst beyond its socket buffer would only be lost and asked for again.
   */
  static final long CHUNK_GAP_MILLIS = 5;
  /** Fast mode: the longest wait for the device's {@code GET /c} after it answered {@code PUT /u} with 4.00. */
  static final long MISSING_LIST_TIMEOUT_SECONDS = 15;
  /** The most indexes one {@code GET /c} may list: more than Device OS ever asks for at once, far below a datagram. */
  static final int MAX_LISTED = 512;

  /** The begin's flags byte, and the UpdateReady's: fast OTA. */
  private static final int FAST = 0x01;

  private final DevicePeer peer;
  private final byte[] file;
  private final int chunkSize;
  private final int chunkCount;
  private final ParticleUpdates updates;
  /** A test's way to lose chunks: what it holds is not sent (fast mode). */
  private final Drop drop;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  /** Each list of missing chunks the device sent, in order, as {@code "1,3"}: what a test reads. */
  final List<String> listed = new java.util.concurrent.CopyOnWriteArrayList<>();
  private int resends;
  private boolean fast;
  /**
   * Fast mode: how many {@code PUT /u} were sent. The device answers each with 4.00 and a {@code GET /c}
   * listing what is missing, in either order, so both are counted against the {@code PUT /u} they answer,
   * not against each other.
   */
  private int puts;
  /** Fast mode: the {@code PUT /u} whose list of missing chunks was taken, 0 for none. */
  private int listedFor;
  /** Fast mode: the chunks still to send this round, and where the next one is in that list. */
  private int[] round;
  private int roundAt;

  private ParticleFirmwareUpdate(DevicePeer peer, byte[] file, int chunkSize, ParticleUpdates updates, Drop drop) {
    this.peer = peer;
    this.file = file;
    this.chunkSize = chunkSize;
    this.chunkCount = (file.length + chunkSize - 1) / chunkSize;
    this.updates = updates;
    this.drop = drop;
  }

  /**
   * Sends {@code file} (a Particle module binary, as the device flashes it) over the peer's DTLS session,
   * in fast mode when the device takes it.
   *
   * @return completes when the device took the whole file (it then applies it and restarts); fails with
   *     the step that went wrong. Cancelling it stops the transfer after the request under way.
   */
  public static CompletableFuture<Void> send(DevicePeer peer, byte[] file, int chunkSize) {
    return send(peer, file, chunkSize, true, (round, index) -> false);
  }

  /**
   * @param askFast whether to ask for fast mode (false: acknowledged mode whatever the device takes)
   * @param drop the chunks not sent, to make them go missing (a test's)
   */
  static CompletableFuture<Void> send(DevicePeer peer, byte[] file, int chunkSize, boolean askFast, Drop drop) {
    return start(peer, file, chunkSize, askFast, drop).done;
  }

  /** As {@link #send(DevicePeer, byte[], int, boolean, Drop)}: the update itself, for a test to read. */
  static ParticleFirmwareUpdate start(DevicePeer peer, byte[] file, int chunkSize, boolean askFast, Drop drop) {
    ParticleFirmwareUpdate update = new ParticleFirmwareUpdate(peer, file, chunkSize > 0 ? chunkSize : CHUNK_SIZE, peer.particleUpdates(),
        drop);
    // an update that ends early (replaced, failed) sends nothing more, but its request under way is
    // left to finish: cancelled, its exchange would be gone when the device's separate response comes,
    // Californium would answer that with a Reset, and Device OS drops its whole session on a Reset
    if (update.updates != null) {
      ParticleUpdates.Begun begun = update.updates.begin(peer.deviceId(), peer.sessionId(), update);
      if (!begun.accepted()) {
        update.fail("an update of this device is already under way in its session");
        return update;
      }
      if (begun.replaced() != null) {
        begun.replaced().fail("replaced by an update in the device's new session");
      }
    }
    update.done.whenComplete((ignored, error) -> {
      if (update.updates != null) {
        update.updates.end(peer.deviceId(), update);
      }
    });
    update.begin(askFast);
    return update;
  }

  String sessionId() {
    return peer.sessionId();
  }

  CompletableFuture<Void> done() {
    return done;
  }

  /** Fast mode was asked for and the device took it. */
  synchronized boolean fast() {
    return fast;
  }

  /**
   * The payload of a device's {@code GET /c}: the missing chunks' indexes, u16 big-endian each.
   *
   * @throws IllegalArgumentException for an empty payload, an odd length, or more than {@link #MAX_LISTED} indexes
   */
  public static int[] missingChunks(byte[] payload) {
    if (payload == null || payload.length == 0 || payload.length % 2 != 0 || payload.length / 2 > MAX_LISTED) {
      throw new IllegalArgumentException("a list of missing chunks is 1 to " + MAX_LISTED + " u16 indexes, not "
          + (payload == null ? 0 : payload.length) + " bytes");
    }
    int[] indexes = new int[payload.length / 2];
    for (int i = 0; i < indexes.length; i++) {
      indexes[i] = ((payload[2 * i] & 0xff) << 8) | (payload[2 * i + 1] & 0xff);
    }
    return indexes;
  }

  /**
   * The device's {@code GET /c} (fast mode): sends exactly the chunks it lists, then {@code PUT /u} again.
   * Called on a Californium thread.
   *
   * @throws IllegalArgumentException an index past the file's last chunk: nothing is sent
   * @throws IllegalStateException this update is not waiting for such a list (acknowledged mode, or chunks still going)
   */
  synchronized void resend(int[] indexes) {
    for (int index : indexes) {
      if (index >= chunkCount) {
        throw new IllegalArgumentException("chunk " + index + " is past the last one, " + (chunkCount - 1));
      }
    }
    if (!fast || done.isDone() || round != null) {
      throw new IllegalStateException("no list of missing chunks is awaited");
    }
    // the list may come before the 4.00 of PUT /u is handled: both are the device's answer to it
    if (tooManyRounds(puts)) {
      throw new IllegalStateException("the update failed: chunks still missing after " + MAX_ROUNDS + " rounds");
    }
    listedFor = puts;
    listed.add(java.util.Arrays.stream(indexes).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(",")));
    startRound(indexes);
  }

  /**
   * Fast mode: fails the update when the device said chunks are missing at {@code PUT /u} number
   * {@code put}, one more than {@link #MAX_ROUNDS} allow. Holds the lock.
   */
  private boolean tooManyRounds(int put) {
    if (put > MAX_ROUNDS) {
      fail("chunks still missing after " + MAX_ROUNDS + " rounds of resending");
      return true;
    }
    return false;
  }

  /** Fast mode: sends {@code indexes} (less what a test drops), then {@code PUT /u}. Holds the lock. */
  private void startRound(int[] indexes) {
    int[] sending = new int[indexes.length];
    int count = 0;
    for (int index : indexes) {
      if (!drop.drop(puts, index)) {
        sending[count++] = index;
      }
    }
    round = java.util.Arrays.copyOf(sending, count);
    roundAt = 0;
    nextFastChunk();
  }

  private synchronized void begin(boolean askFast) {
    byte[] begin = ByteBuffer.allocate(12).put((byte) (askFast ? FAST : 0)).putShort((short) chunkSize).putInt(file.length)
        .put((byte) 0).putInt(0).array();
    step(Code.POST, "u", List.of(), begin, reply -> {
      if (reply.code() != ResponseCode.CHANGED) {
        fail("the device refused the update: " + reply.code() + " " + reply.text());
      } else if (askFast && reply.payload().length > 0 && (reply.payload()[0] & FAST) != 0) {
        fast = true;
        int[] all = new int[chunkCount];
        for (int index = 0; index < chunkCount; index++) {
          all[index] = index;
        }
        startRound(all);
      } else {
        chunk(0);
      }
    });
  }

  /** Fast mode: the round's next chunk, NON, once the last one left; then {@code PUT /u}. Holds the lock. */
  private void nextFastChunk() {
    if (done.isDone()) {
      return;
    }
    if (roundAt >= round.length) {
      round = null;
      finish();
      return;
    }
    int index = round[roundAt++];
    int offset = index * chunkSize;
    int length = Math.min(chunkSize, file.length - offset);
    byte[] chunk = java.util.Arrays.copyOfRange(file, offset, offset + length);
    List<byte[]> options = List.of(crcOf(chunk), ByteBuffer.allocate(2).putShort((short) index).array());
    CompletableFuture<Void> sent = peer.sendWithShortToken(Code.POST, "c", options, chunk);
    sent.whenComplete((ignored, error) -> {
      if (error != null) {
        fail("chunk " + index + " could not be sent: " + error.getMessage());
      } else {
        CompletableFuture.delayedExecutor(CHUNK_GAP_MILLIS, TimeUnit.MILLISECONDS).execute(() -> {
          synchronized (this) {
            nextFastChunk();
          }
        });
      }
    });
  }

  /** Acknowledged mode: chunk {@code index}, and the next once the device stored it. */
  private void chunk(int index) {
    int offset = index * chunkSize;
    if (offset >= file.length) {
      finish();
      return;
    }
    int length = Math.min(chunkSize, file.length - offset);
    byte[] chunk = java.util.Arrays.copyOfRange(file, offset, offset + length);
    step(Code.POST, "c", List.of(crcOf(chunk)), chunk, reply -> {
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
    int put = ++puts;
    step(Code.PUT, "u", List.of(), null, reply -> {
      if (reply.code() == ResponseCode.CHANGED) {
        done.complete(null);
      } else if (fast && reply.code() == ResponseCode.BAD_REQUEST) {
        if (!tooManyRounds(put) && listedFor < put) {
          CompletableFuture.delayedExecutor(MISSING_LIST_TIMEOUT_SECONDS, TimeUnit.SECONDS).execute(() -> {
            synchronized (this) {
              if (listedFor < put) {
                fail("the device said chunks are missing but did not list them within " + MISSING_LIST_TIMEOUT_SECONDS + " s");
              }
            }
          });
        }
      } else {
        fail("the device did not take the whole file: " + reply.code() + " " + reply.text());
      }
    });
  }

  private static byte[] crcOf(byte[] chunk) {
    CRC32 crc = new CRC32();
    crc.update(chunk);
    return ByteBuffer.allocate(4).putInt((int) crc.getValue()).array();
  }

  /** One confirmable request with the next token; its answer is handled under the lock. A cancelled transfer sends nothing more. */
  private void step(Code method, String path, List<byte[]> options, byte[] payload, Consumer<CoapReply> then) {
    if (done.isDone()) {
      return;
    }
    CompletableFuture<CoapReply> request = peer.requestWithShortToken(method, path, options, payload);
    request.whenComplete((reply, error) -> {
      synchronized (this) {
        if (error != null) {
          fail(error.getMessage());
        } else if (!done.isDone()) {
          then.accept(reply);
        }
      }
    });
  }

  /** Chunks a test makes go missing. */
  @FunctionalInterface
  interface Drop {
    /** @param round 0 for the first pass over the file, then one more for each list of missing chunks */
    boolean drop(int round, int index);
  }

  private void fail(String reason) {
    done.completeExceptionally(new IllegalStateException(reason));
  }
}
