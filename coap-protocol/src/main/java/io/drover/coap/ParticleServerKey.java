package io.drover.coap;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;

/**
 * The {@code server_key.der} a Particle device keeps for its cloud, as {@code particle keys server}
 * writes it (Device OS hal/src/gcc/device_config.cpp, system/src/server_config.cpp): the server's
 * P-256 SubjectPublicKeyInfo (DER, 91 bytes) at offset 0, zero padded, and at offset 192 the address
 * the device connects to on UDP 5684: {@code 00 04 a b c d} for an IPv4 address, {@code 01 len name}
 * for a host name. The port is not in it: Device OS always uses 5684.
 */
public final class ParticleServerKey {

  /** Where the address begins, for the UDP (DTLS) protocol. */
  static final int ADDRESS_OFFSET = 192;
  /** The length of the file as Device OS reserves it for an EC server key with its address. */
  static final int LENGTH = 320;
  /** The longest host name that fits after the address's two header bytes. */
  static final int MAX_NAME = LENGTH - ADDRESS_OFFSET - 2;

  private ParticleServerKey() {
  }

  /**
   * @param key the node's P-256 public key (the one its Particle listener proves itself with)
   * @param host an IPv4 address literal or a host name the device resolves; never resolved here
   * @throws IllegalArgumentException for a key that is not 91 bytes of P-256 SPKI, an IPv6 literal
   *     (Device OS takes IPv4 or a name) or a name that does not fit
   */
  public static byte[] encode(PublicKey key, String host) {
    byte[] spki = key.getEncoded();
    if (!"EC".equals(key.getAlgorithm()) || spki.length != 91) {
      throw new IllegalArgumentException("the server key must be an EC P-256 key (91 bytes of SubjectPublicKeyInfo)");
    }
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("the address devices connect to is required");
    }
    byte[] file = new byte[LENGTH];
    System.arraycopy(spki, 0, file, 0, spki.length);
    InetAddress literal = ipv4Literal(host);
    if (literal != null) {
      file[ADDRESS_OFFSET] = 0;
      file[ADDRESS_OFFSET + 1] = 4;
      System.arraycopy(literal.getAddress(), 0, file, ADDRESS_OFFSET + 2, 4);
      return file;
    }
    if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("Device OS connects to an IPv4 address or a host name, not to " + host);
    }
    byte[] name = host.getBytes(StandardCharsets.US_ASCII);
    if (name.length > MAX_NAME) {
      throw new IllegalArgumentException("the host name is longer than " + MAX_NAME + " characters");
    }
    file[ADDRESS_OFFSET] = 1;
    file[ADDRESS_OFFSET + 1] = (byte) name.length;
    System.arraycopy(name, 0, file, ADDRESS_OFFSET + 2, name.length);
    return file;
  }

  /** The address if {@code host} is a dotted-quad literal, else null; never a DNS query. */
  private static InetAddress ipv4Literal(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit) || Integer.parseInt(part) > 255) {
        return null;
      }
    }
    try {
      InetAddress address = InetAddress.getByName(host);
      return address instanceof Inet4Address ? address : null;
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
