package io.drover.coap.particle;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.DatagramPacket;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.californium.scandium.dtls.HandshakeMessage;
import org.eclipse.californium.scandium.dtls.HandshakeType;
import org.eclipse.californium.scandium.dtls.Handshaker;
import org.eclipse.californium.scandium.dtls.SessionAdapter;

/**
 * Leaves the server's Certificate message out of the handshake, as Device OS expects.
 *
 * <p>Device OS pins its cloud's public key ({@code server_key.der}) and configures mbedtls with
 * {@code mbedtls_ssl_conf_certificate_receive(DISABLED)}: its client reads no server Certificate at
 * all, and takes the ServerKeyExchange right after the ServerHello, verifying its signature with the
 * pinned key (the fork's {@code ssl_parse_certificate} skips the state; a Certificate in its place
 * fails the handshake with "server key exchange message must not be skipped", alert
 * unexpected_message). Scandium 3.14 always sends one for an ECDSA suite
 * ({@code ServerHandshaker.createCertificateMessage}, private, in a handshaker the connector makes in a
 * private method), and offers no setting to leave it out.
 *
 * <p>So, per handshake of the Particle listener only, after Scandium built its flight and before it
 * leaves: the Certificate is taken out of the handshaker's transcript ({@code Handshaker.handshakeMessages},
 * which the Finished and CertificateVerify hashes are computed from), the messages after it are
 * renumbered down by one (DTLS hashes carry {@code message_seq}, RFC 6347 section 4.2.6, and mbedtls
 * waits for the missing number otherwise), the handshaker's next sequence number follows, and the
 * datagrams are rewritten to match: the Certificate fragment dropped, the later fragments renumbered.
 * Retransmissions of the flight carry the Certificate under sequence number 65535, which is dropped
 * the same way. Three members of Scandium are reached by reflection; {@link #check()} fails at start
 * when an upgrade moves them, and the virtual-device test fails when the result no longer works.
 */
public final class ServerCertificateOmission extends SessionAdapter {

  /** The sequence number a dropped Certificate keeps for retransmissions: never sent. */
  static final int DROPPED = 0xffff;
  private static final int RECORD_HEADER = 13;
  private static final int HANDSHAKE_HEADER = 12;
  private static final int CONTENT_HANDSHAKE = 22;

  private static final Field TRANSCRIPT;
  private static final Field NEXT_SEQUENCE;
  private static final Method FRAGMENT_CHANGED;

  static {
    try {
      TRANSCRIPT = Handshaker.class.getDeclaredField("handshakeMessages");
      NEXT_SEQUENCE = Handshaker.class.getDeclaredField("sendMessageSequence");
      FRAGMENT_CHANGED = HandshakeMessage.class.getDeclaredMethod("fragmentChanged");
      if (TRANSCRIPT.getType() != List.class || NEXT_SEQUENCE.getType() != int.class || Modifier.isFinal(NEXT_SEQUENCE.getModifiers())) {
        throw new IllegalStateException("Scandium's Handshaker changed: the server Certificate omission needs another way");
      }
      TRANSCRIPT.setAccessible(true);
      NEXT_SEQUENCE.setAccessible(true);
      FRAGMENT_CHANGED.setAccessible(true);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Scandium's Handshaker changed: the server Certificate omission needs another way", e);
    }
  }

  /** Handshakes under way, by peer address; a flight is sent on the connection's own executor. */
  private final Map<SocketAddress, Handshaker> handshakes = new ConcurrentHashMap<>();

  /** Fails (IllegalStateException) when this Scandium's internals are not the ones this class edits. */
  public static void check() {
    // the static initializer did the work
  }

  @Override
  public void handshakeStarted(Handshaker handshaker) {
    SocketAddress peer = handshaker.getConnection().getPeerAddress();
    if (peer != null) {
      handshakes.put(peer, handshaker);
    }
  }

  /** By value: a failed handshake's connection may have lost its address already. Ongoing handshakes only: a short map. */
  @Override
  public void handshakeCompleted(Handshaker handshaker) {
    handshakes.values().remove(handshaker);
  }

  @Override
  public void handshakeFailed(Handshaker handshaker, Throwable error) {
    handshakes.values().remove(handshaker);
  }

  /**
   * The flight's datagrams without the server's Certificate. Called by the connector for every flight
   * it sends (on the connection's executor); flights without one pass unchanged.
   */
  public List<DatagramPacket> rewrite(List<DatagramPacket> datagrams) {
    int certificateSeq = certificateSeq(datagrams);
    if (certificateSeq < 0) {
      return datagrams;
    }
    if (certificateSeq != DROPPED) {
      Handshaker handshaker = handshakes.get(datagrams.get(0).getSocketAddress());
      if (handshaker == null) {
        return datagrams;
      }
      editTranscript(handshaker, certificateSeq);
    }
    List<DatagramPacket> rewritten = new ArrayList<>(datagrams.size());
    for (DatagramPacket datagram : datagrams) {
      byte[] bytes = withoutCertificate(datagram.getData(), datagram.getOffset(), datagram.getLength(), certificateSeq);
      if (bytes.length > 0) {
        rewritten.add(new DatagramPacket(bytes, bytes.length, datagram.getSocketAddress()));
      }
    }
    return rewritten;
  }

  private static void editTranscript(Handshaker handshaker, int certificateSeq) {
    try {
      @SuppressWarnings("unchecked")
      List<HandshakeMessage> transcript = (List<HandshakeMessage>) TRANSCRIPT.get(handshaker);
      HandshakeMessage certificate = null;
      for (HandshakeMessage message : transcript) {
        if (message.getMessageType() == HandshakeType.CERTIFICATE && message.getMessageSeq() == certificateSeq) {
          certificate = message;
        } else if (certificate != null && message.getMessageSeq() > certificateSeq) {
          FRAGMENT_CHANGED.invoke(message);
          message.setMessageSeq(message.getMessageSeq() - 1);
        }
      }
      if (certificate == null) {
        throw new IllegalStateException("the server Certificate is not in the handshake transcript");
      }
      transcript.remove(certificate);
      FRAGMENT_CHANGED.invoke(certificate);
      certificate.setMessageSeq(DROPPED);
      NEXT_SEQUENCE.setInt(handshaker, NEXT_SEQUENCE.getInt(handshaker) - 1);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot edit the handshake transcript", e);
    }
  }

  /** The message_seq of a Certificate in the flight's plaintext handshake records, or -1. */
  static int certificateSeq(List<DatagramPacket> datagrams) {
    for (DatagramPacket datagram : datagrams) {
      byte[] data = datagram.getData();
      int end = datagram.getOffset() + datagram.getLength();
      for (int at = datagram.getOffset(); at + RECORD_HEADER <= end; at += RECORD_HEADER + length16(data, at + 11)) {
        if (!plaintextHandshake(data, at)) {
          continue;
        }
        int fragmentsEnd = Math.min(end, at + RECORD_HEADER + length16(data, at + 11));
        for (int f = at + RECORD_HEADER; f + HANDSHAKE_HEADER <= fragmentsEnd; f += HANDSHAKE_HEADER + length24(data, f + 9)) {
          if (data[f] == HandshakeType.CERTIFICATE.getCode()) {
            return length16(data, f + 4);
          }
        }
      }
    }
    return -1;
  }

  /**
   * The datagram with the Certificate's fragments left out of its plaintext handshake records and, unless the
   * Certificate was already renumbered {@link #DROPPED}, the later fragments' message_seq lowered by one; a
   * record left empty is left out. Other records are copied as they are.
   */
  static byte[] withoutCertificate(byte[] data, int offset, int length, int certificateSeq) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(length);
    int end = offset + length;
    int at = offset;
    while (at + RECORD_HEADER <= end) {
      int recordEnd = Math.min(end, at + RECORD_HEADER + length16(data, at + 11));
      if (!plaintextHandshake(data, at)) {
        out.write(data, at, recordEnd - at);
        at = recordEnd;
        continue;
      }
      ByteArrayOutputStream fragments = new ByteArrayOutputStream();
      for (int f = at + RECORD_HEADER; f + HANDSHAKE_HEADER <= recordEnd; f += HANDSHAKE_HEADER + length24(data, f + 9)) {
        int fragmentEnd = Math.min(recordEnd, f + HANDSHAKE_HEADER + length24(data, f + 9));
        int seq = length16(data, f + 4);
        if (data[f] == HandshakeType.CERTIFICATE.getCode() && (seq == certificateSeq || seq == DROPPED)) {
          continue;
        }
        byte[] fragment = java.util.Arrays.copyOfRange(data, f, fragmentEnd);
        if (certificateSeq != DROPPED && seq > certificateSeq) {
          fragment[4] = (byte) ((seq - 1) >> 8);
          fragment[5] = (byte) (seq - 1);
        }
        fragments.writeBytes(fragment);
      }
      if (fragments.size() > 0) {
        out.write(data, at, 11);
        out.write(fragments.size() >> 8);
        out.write(fragments.size());
        out.writeBytes(fragments.toByteArray());
      }
      at = recordEnd;
    }
    return out.toByteArray();
  }

  private static boolean plaintextHandshake(byte[] data, int record) {
    return data[record] == CONTENT_HANDSHAKE && data[record + 3] == 0 && data[record + 4] == 0;
  }

  private static int length16(byte[] data, int at) {
    return ((data[at] & 0xff) << 8) | (data[at + 1] & 0xff);
  }

  private static int length24(byte[] data, int at) {
    return ((data[at] & 0xff) << 16) | ((data[at + 1] & 0xff) << 8) | (data[at + 2] & 0xff);
  }
}
