package io.drover.coap;

import io.drover.coap.particle.ServerCertificateOmission;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.List;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;

/**
 * Scandium's connector for Particle devices (a {@link DeviceDtlsConnector}, so that the gateway can end a
 * device's DTLS session), without the server Certificate message Device OS does not
 * read ({@link ServerCertificateOmission}), and with Device OS's one deviation in the record layer: a
 * device that resumes its session from a new address (it keeps the session and skips the handshake)
 * marks its Connection ID records with content type 253 instead of 25 until the cloud answers
 * (communication/src/dtls_message_channel.cpp; the mbedtls fork's "move" records). The record is
 * otherwise a draft-05 CID record and its AEAD input names type 25, so 253 is read as 25 before
 * Scandium parses the datagram; Scandium then finds the session by its Connection ID and follows the
 * device to its new address.
 */
final class ParticleDtlsConnector extends DeviceDtlsConnector {

  /** The content type Device OS gives its CID records while it resumes from a new address. */
  static final int MOVED_CID_RECORD = 253;
  private static final int CID_RECORD = 25;
  /** type 1, version 2, epoch 2, sequence number 6, (CID), length 2 (RFC 6347 section 4.1, RFC 9146 section 4) */
  private static final int HEADER_WITHOUT_CID = 13;

  private final ServerCertificateOmission certificateOmission;
  /** The legacy OTA updates of this listener's devices, reached from a {@link DevicePeer} of it. */
  final ParticleUpdates updates = new ParticleUpdates();

  /** @param certificateOmission the session listener {@code config} was built with */
  ParticleDtlsConnector(DtlsConnectorConfig config, ServerCertificateOmission certificateOmission) {
    super(config, DatagramMeter.NONE);
    this.certificateOmission = certificateOmission;
  }

  /** Every handshake flight passes here: Device OS reads no server Certificate ({@link ServerCertificateOmission}). */
  @Override
  public void sendFlight(List<DatagramPacket> datagrams) throws IOException {
    super.sendFlight(certificateOmission.rewrite(datagrams));
  }

  @Override
  protected void processDatagram(DatagramPacket packet, InetSocketAddress router) {
    markMovedRecords(packet.getData(), packet.getOffset(), packet.getLength());
    super.processDatagram(packet, router);
  }

  /** Rewrites the content type 253 of every record of the datagram to 25, in place; stops at a record that does not fit. */
  static void markMovedRecords(byte[] data, int offset, int length) {
    int at = offset;
    int end = offset + length;
    while (at + HEADER_WITHOUT_CID <= end) {
      int type = data[at] & 0xff;
      int cid = 0;
      if (type == MOVED_CID_RECORD) {
        data[at] = (byte) CID_RECORD;
        cid = ParticleDeviceServer.CONNECTION_ID_LENGTH;
      } else if (type == CID_RECORD) {
        cid = ParticleDeviceServer.CONNECTION_ID_LENGTH;
      }
      int lengthAt = at + 11 + cid;
      if (lengthAt + 2 > end) {
        return;
      }
      int recordLength = ((data[lengthAt] & 0xff) << 8) | (data[lengthAt + 1] & 0xff);
      at = lengthAt + 2 + recordLength;
    }
  }
}
