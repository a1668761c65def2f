package io.drover.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Option;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.auth.PreSharedKeyIdentity;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.junit.jupiter.api.Test;

/**
 * The payload of a device's {@code GET /c} in a fast legacy OTA (u16 indexes, big-endian), and the rounds
 * of resending counted whichever of the device's two answers to {@code PUT /u} comes first: its 4.00 or
 * its list. Device OS sends both; over DTLS either may be handled first.
 */
class ParticleFirmwareUpdateTest {

  private static final int FILE_SIZE = 3000;
  private static final int CHUNKS = (FILE_SIZE + ParticleFirmwareUpdate.CHUNK_SIZE - 1) / ParticleFirmwareUpdate.CHUNK_SIZE;

  @Test
  void missingChunksAreReadAsBigEndianU16() {
    assertArrayEquals(new int[] {1, 3, 0x0102, 0xfffe}, ParticleFirmwareUpdate.missingChunks(new byte[] {0, 1, 0, 3, 1, 2, (byte) 0xff, (byte) 0xfe}));
  }

  @Test
  void anOddLengthIsRefused() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> ParticleFirmwareUpdate.missingChunks(new byte[] {0, 1, 2}));
    assertTrue(refused.getMessage().contains("not 3 bytes"), refused.getMessage());
  }

  @Test
  void anEmptyOrMissingListIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ParticleFirmwareUpdate.missingChunks(new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> ParticleFirmwareUpdate.missingChunks(null));
  }

  @Test
  void aListLongerThanTheBoundIsRefused() {
    assertArrayEquals(new int[ParticleFirmwareUpdate.MAX_LISTED], ParticleFirmwareUpdate.missingChunks(new byte[2 * ParticleFirmwareUpdate.MAX_LISTED]));
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> ParticleFirmwareUpdate.missingChunks(new byte[2 * ParticleFirmwareUpdate.MAX_LISTED + 2]));
    assertTrue(refused.getMessage().contains("1 to " + ParticleFirmwareUpdate.MAX_LISTED), refused.getMessage());
  }

  /** The list before the 4.00: the lost chunk is sent again once, listed once, and the file taken at the second {@code PUT /u}. */
  @Test
  void aListHandledBeforeTheFourHundredStartsOneRound() throws Exception {
    try (ListingFirst device = new ListingFirst()) {
      ParticleFirmwareUpdate update = device.flash((round, index) -> round == 0 && index == 2);
      update.done().get(30, TimeUnit.SECONDS);

      assertEquals(List.of("2"), update.listed, "one list, one round");
      assertEquals(List.of(2), device.sentAgain(), "chunk 2 sent again once");
      assertEquals(2, device.puts.size(), "PUT /u twice: " + device.puts);
    }
  }

  /** A chunk that never arrives, each list before its 4.00: exactly {@link ParticleFirmwareUpdate#MAX_ROUNDS} rounds, then the update fails. */
  @Test
  void theBoundOnRoundsHoldsWhenEachListComesFirst() throws Exception {
    try (ListingFirst device = new ListingFirst()) {
      ParticleFirmwareUpdate update = device.flash((round, index) -> index == 2);
      ExecutionException failed = assertThrows(ExecutionException.class, () -> update.done().get(60, TimeUnit.SECONDS));

      assertEquals("chunks still missing after " + ParticleFirmwareUpdate.MAX_ROUNDS + " rounds of resending", failed.getCause().getMessage());
      assertEquals(ParticleFirmwareUpdate.MAX_ROUNDS, update.listed.size(), "one list taken per round: " + update.listed);
      assertEquals(ParticleFirmwareUpdate.MAX_ROUNDS + 1, device.puts.size(), "the last PUT /u's list was refused: " + device.puts);
      // the update fails inside the device's handler, before the refusal is recorded there
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (device.refusals.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(List.of(IllegalStateException.class.getSimpleName()), device.refusals);
    }
  }

  /**
   * A device over plain UDP that takes fast mode and, when chunks are missing at {@code PUT /u}, hands its
   * list to the update before it answers 4.00: the order the node's two threads may see them in. One
   * protocol-stage thread, so it handles requests in the order they arrive, as Device OS does.
   */
  private static final class ListingFirst implements AutoCloseable {
    final Set<Integer> received = ConcurrentHashMap.newKeySet();
    final List<Integer> chunks = new CopyOnWriteArrayList<>();
    final List<String> puts = new CopyOnWriteArrayList<>();
    final List<String> refusals = new CopyOnWriteArrayList<>();
    private final AtomicReference<ParticleFirmwareUpdate> update = new AtomicReference<>();
    private final CoapServer server;
    private final CoapEndpoint node;

    ListingFirst() throws Exception {
      Configuration config = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS);
      config.set(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT, 1);
      server = new CoapServer(config);
      server.addEndpoint(CoapEndpoint.builder().setConfiguration(config)
          .setInetSocketAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .setDataSerializerAndParser(new UdpDataSerializer(), new DeviceMessageParser(false)).build());
      server.add(new CoapResource("u") {
        @Override
        public void handlePOST(CoapExchange exchange) {
          exchange.respond(ResponseCode.CHANGED, new byte[] {0x01});
        }

        @Override
        public void handlePUT(CoapExchange exchange) {
          int[] missing = java.util.stream.IntStream.range(0, CHUNKS).filter(index -> !received.contains(index)).toArray();
          puts.add(java.util.Arrays.toString(missing));
          if (missing.length == 0) {
            exchange.respond(ResponseCode.CHANGED);
            return;
          }
          try {
            update.get().resend(missing);
          } catch (IllegalStateException e) {
            refusals.add(e.getClass().getSimpleName());
          }
          exchange.respond(ResponseCode.BAD_REQUEST);
        }
      });
      server.add(new CoapResource("c") {
        @Override
        public void handlePOST(CoapExchange exchange) {
          List<Option> positional = exchange.getRequestOptions().getOthers();
          byte[] index = positional.get(1).getValue();
          int chunk = ((index[0] & 0xff) << 8) | (index[1] & 0xff);
          chunks.add(chunk);
          received.add(chunk);
        }
      });
      server.start();
      node = CoapEndpoint.builder().setConfiguration(new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS))
          .setInetSocketAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .setDataSerializerAndParser(new UdpDataSerializer(), new DeviceMessageParser(false)).build();
      node.start();
    }

    ParticleFirmwareUpdate flash(ParticleFirmwareUpdate.Drop drop) {
      InetSocketAddress address = server.getEndpoints().get(0).getAddress();
      DevicePeer peer = DevicePeer.of(new AddressEndpointContext(address, new PreSharedKeyIdentity("0123456789abcdef01234567")), node);
      // the device's first PUT /u comes after the whole first pass, long after this is set
      ParticleFirmwareUpdate started = ParticleFirmwareUpdate.start(peer, new byte[FILE_SIZE], ParticleFirmwareUpdate.CHUNK_SIZE, true, drop);
      update.set(started);
      return started;
    }

    /** The chunks sent after the first pass, which sent every chunk but the one dropped. */
    List<Integer> sentAgain() {
      return chunks.subList(Math.min(CHUNKS - 1, chunks.size()), chunks.size());
    }

    @Override
    public void close() {
      node.destroy();
      server.destroy();
    }
  }
}
