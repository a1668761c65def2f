package io.drover.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.coap.particle.DraftConnectionId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.DTLSContext;
import org.eclipse.californium.scandium.dtls.HelloExtension.ExtensionType;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scandium with {@link DraftConnectionId}: a client speaking Device OS's Connection ID (code point 254,
 * draft-05 record protection: Scandium's client side of the same patch) gets the 8-byte CID Device OS
 * insists on from a server configured as the Particle listener is, and records protected the draft's
 * way pass both ways. Fails when a Californium upgrade renumbers, removes or natively supports the code
 * point. Device OS itself against the Particle listener: {@code ParticleDeviceServerTest}.
 */
class DraftConnectionIdTest {

  private CoapServer server;
  private int port;

  /** A Scandium server with the Particle listener's CID settings (without its other Device OS adaptations, which a Scandium client would not accept). */
  @BeforeEach
  void startServer() throws Exception {
    DraftConnectionId.install();
    Configuration config = DeviceServer.configuration(CoapSettings.defaults("127.0.0.1", 0));
    config.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, 8);
    config.set(DtlsConfig.DTLS_SUPPORT_DEPRECATED_CID, true);
    KeyPair serverKey = VirtualParticleDevice.newKey();
    DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
        .setAddress(new InetSocketAddress("127.0.0.1", 0))
        .setCertificateIdentityProvider(new SingleCertificateProvider(serverKey.getPrivate(), serverKey.getPublic()))
        .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder().setTrustAllRPKs().build())
        .build();
    CoapEndpoint endpoint = CoapEndpoint.builder().setConfiguration(config).setConnector(new DTLSConnector(dtls)).build();
    server = new CoapServer(config);
    server.addEndpoint(endpoint);
    server.add(new CoapResource("h") {
      @Override
      public void handlePOST(CoapExchange exchange) {
        exchange.respond(ResponseCode.CHANGED, exchange.getRequestPayload());
      }
    });
    server.start();
    port = endpoint.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    server.destroy();
  }

  @Test
  void scandiumKnowsCodePoint254AsTheDraftConnectionIdAndNo53Any() {
    DraftConnectionId.install();
    DraftConnectionId.install();

    assertTrue(DraftConnectionId.installed());
    assertEquals(ExtensionType.CONNECTION_ID_DEPRECATED, ExtensionType.getExtensionTypeById(254));
    assertEquals(ExtensionType.CONNECTION_ID, ExtensionType.CONNECTION_ID_DEPRECATED.getReplacementType());
    assertNull(ExtensionType.getExtensionTypeById(53), "53 is no longer the draft CID in this process");
    assertEquals(ExtensionType.CONNECTION_ID, ExtensionType.getExtensionTypeById(54), "RFC 9146's CID is untouched");
  }

  @Test
  void clientWithCodePoint254GetsAnEightByteConnectionIdAndDraftRecordProtection() throws Exception {
    DTLSConnector connector = draftClient(VirtualParticleDevice.newKey());
    CoapEndpoint endpoint = CoapEndpoint.builder().setConnector(connector).build();
    try {
      CoapClient client = new CoapClient("coaps://127.0.0.1:" + port + "/h");
      client.setEndpoint(endpoint);
      client.setTimeout(5000L);
      byte[] hello = hello(VirtualParticleDevice.newDeviceId());
      CoapResponse response = client.post(hello, MediaTypeRegistry.APPLICATION_OCTET_STREAM);

      assertNotNull(response, "no answer");
      assertEquals(ResponseCode.CHANGED, response.getCode());
      assertArrayEquals(hello, response.getPayload(), "records protected the draft's way pass both ways");
      DTLSContext context = connector.getDtlsContextByAddress(new InetSocketAddress("127.0.0.1", port));
      assertNotNull(context);
      assertTrue(context.useDeprecatedCid(), "the draft's record protection");
      assertEquals(8, context.getWriteConnectionId().length(), "Device OS's DTLS_CID_SIZE");
      client.shutdown();
    } finally {
      endpoint.destroy();
    }
  }

  @Test
  void movedRecordsOfContentType253AreReadAsConnectionIdRecords() {
    byte[] cid = HexFormat.of().parseHex("0102030405060708");
    ByteBuffer datagram = ByteBuffer.allocate(2 * (13 + 8 + 3));
    for (int i = 0; i < 2; i++) {
      datagram.put((byte) 253).putShort((short) 0xfefd).putShort((short) 1).put(new byte[6]).put(cid).putShort((short) 3).put(new byte[] {9, 9, 9});
    }
    byte[] bytes = datagram.array();

    ParticleDtlsConnector.markMovedRecords(bytes, 0, bytes.length);

    assertEquals(25, bytes[0]);
    assertEquals(25, bytes[24], "every record of the datagram");
    byte[] payload = new byte[3];
    System.arraycopy(bytes, 21, payload, 0, 3);
    assertArrayEquals(new byte[] {9, 9, 9}, payload, "nothing else changes");
  }

  /** Device OS 6.2's Hello for a gcc device: product 0, version 0, flags 0x10, platform 3, the ID, system 6.2.0. */
  static byte[] hello(String deviceId) {
    return ByteBuffer.allocate(32).putShort((short) 0).putShort((short) 0).putShort((short) 0x10).putShort((short) 3)
        .put((byte) 0).put((byte) 12).put(HexFormat.of().parseHex(deviceId)).putShort((short) 0x0602)
        .putShort((short) 1152).putInt(0x100000).putShort((short) 512).array();
  }

  private static DTLSConnector draftClient(KeyPair key) {
    DraftConnectionId.install();
    Configuration config = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
    config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 300, TimeUnit.MILLISECONDS);
    config.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 2);
    config.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, 0);
    config.set(DtlsConfig.DTLS_USE_DEPRECATED_CID, DraftConnectionId.PARTICLE_CODE_POINT);
    config.set(DtlsConfig.DTLS_CIPHER_SUITES, List.of(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8));
    DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
        .setCertificateIdentityProvider(new SingleCertificateProvider(key.getPrivate(), key.getPublic()))
        .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder().setTrustAllRPKs().build())
        .build();
    return new DTLSConnector(dtls);
  }
}
