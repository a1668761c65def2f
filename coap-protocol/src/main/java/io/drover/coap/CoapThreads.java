package io.drover.coap;

/**
 * How many threads the CoAP listener works on. Californium's and Scandium's pools do the wire (UDP
 * receive, DTLS records and handshakes, CoAP's protocol stage); the session executors hold the devices'
 * sessions, each owning the devices whose ID hashes to it. A count of 0 takes the default named below.
 *
 * @param sessionExecutors executors for device sessions (the gateway's Vert.x contexts); 0: one per core
 * @param dtlsReceivers Scandium's {@code DTLS.RECEIVER_THREAD_COUNT}; 0: Scandium's default (1)
 * @param dtlsConnectors Scandium's {@code DTLS.CONNECTOR_THREAD_COUNT} (records and handshakes);
 *     0: Scandium's default (one per core)
 * @param protocolStage Californium's {@code COAP.PROTOCOL_STAGE_THREAD_COUNT} (CoAP layers and
 *     resources), a pool of Californium's own; 0: no pool, the stage runs on the first session executor
 *     (the gateway passes it as {@link DeviceServer.Builder#protocolStage}; without one, Californium's
 *     default of one thread per core)
 */
public record CoapThreads(int sessionExecutors, int dtlsReceivers, int dtlsConnectors, int protocolStage) {

  /** One session executor; Californium's and Scandium's own defaults. */
  public static final CoapThreads DEFAULTS = new CoapThreads(1, 0, 0, 0);

  public CoapThreads {
    if (sessionExecutors < 0 || dtlsReceivers < 0 || dtlsConnectors < 0 || protocolStage < 0) {
      throw new IllegalArgumentException("thread counts must not be negative");
    }
  }

  /** The session executors to run: {@link #sessionExecutors}, or the number of cores for 0. */
  public int effectiveSessionExecutors() {
    return sessionExecutors > 0 ? sessionExecutors : Runtime.getRuntime().availableProcessors();
  }
}
