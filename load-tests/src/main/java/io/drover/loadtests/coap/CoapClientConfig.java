package io.drover.loadtests.coap;

import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.config.DtlsConfig;

/** Californium configurations of the swarm's devices and of the baseline server. */
final class CoapClientConfig {

  /** Drover's DeviceServer uses a 6-byte connection ID; the baseline does the same. */
  static final int SERVER_CONNECTION_ID_LENGTH = 6;

  private CoapClientConfig() {
  }

  static Configuration empty() {
    return new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
  }

  /**
   * One device: a client-only DTLS connector that talks to one server, so its stores are tiny and it
   * runs one receiver thread (plus Scandium's timer thread); the handshake and CoAP work runs on
   * executors the whole swarm shares.
   */
  static Configuration device() {
    Configuration config = empty();
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
    config.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
    config.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
    config.set(DtlsConfig.DTLS_MAX_CONNECTIONS, 4);
    // 0: the device understands connection IDs (RFC 9146) and uses the server's, as a device behind a NAT would
    config.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, 0);
    config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 1000, TimeUnit.MILLISECONDS);
    config.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 4);
    config.set(CoapConfig.MAX_ACTIVE_PEERS, 4);
    config.set(CoapConfig.EXCHANGE_LIFETIME, 60, TimeUnit.SECONDS);
    config.set(CoapConfig.DEDUPLICATOR, CoapConfig.DEDUPLICATOR_CROP_ROTATION);
    config.set(CoapConfig.CROP_ROTATION_PERIOD, 60, TimeUnit.SECONDS);
    return config;
  }

  /**
   * The baseline: Californium's server with the settings Drover's DeviceServer applies by default
   * (60 s exchange lifetime with crop rotation, 6-byte connection IDs, 200,000 sessions and peers,
   * a 4 MiB UDP receive buffer), so the comparison is of what Drover adds, not of tuning.
   */
  static Configuration baselineServer() {
    Configuration config = empty();
    config.set(CoapConfig.MAX_ACTIVE_PEERS, 200_000);
    config.set(CoapConfig.EXCHANGE_LIFETIME, 60, TimeUnit.SECONDS);
    config.set(CoapConfig.NON_LIFETIME, 60, TimeUnit.SECONDS);
    config.set(CoapConfig.DEDUPLICATOR, CoapConfig.DEDUPLICATOR_CROP_ROTATION);
    config.set(CoapConfig.CROP_ROTATION_PERIOD, 60, TimeUnit.SECONDS);
    config.set(CoapConfig.MAX_PEER_INACTIVITY_PERIOD, 3600, TimeUnit.SECONDS);
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY);
    config.set(DtlsConfig.DTLS_MAX_CONNECTIONS, 200_000);
    config.set(DtlsConfig.DTLS_STALE_CONNECTION_THRESHOLD, 3600, TimeUnit.SECONDS);
    config.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, SERVER_CONNECTION_ID_LENGTH);
    config.set(DtlsConfig.DTLS_READ_WRITE_LOCK_CONNECTION_STORE, true);
    config.set(DtlsConfig.DTLS_REMOVE_STALE_DOUBLE_PRINCIPALS, true);
    config.set(DtlsConfig.DTLS_RECEIVE_BUFFER_SIZE, 4 * 1024 * 1024);
    config.set(UdpConfig.UDP_RECEIVE_BUFFER_SIZE, 4 * 1024 * 1024);
    return config;
  }
}
