package io.drover.coap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.californium.core.coap.CoAP.Code;

/**
 * The cloud's calls to a Particle device in Device OS's shapes (communication/src/functions.h,
 * communication/src/variables.cpp, communication/src/protocol.cpp), and its answers read back as the
 * text Drover's devices answer with (docs/device-protocol.md section 4.4). Device OS parses the
 * options by position, so each request is sent exactly so: Uri-Path {@code f}, Uri-Path name, Uri-Query
 * argument (present even when empty). The device acknowledges at once and answers in a separate CON
 * with the request's one-byte token ({@link io.drover.coap.particle.ParticleTokens}).
 */
public final class ParticleCalls {

  /** Variable types in a describe's {@code "v"} (communication/inc/spark_descriptor.h). */
  public static final int BOOLEAN = 1;
  public static final int INT = 2;
  public static final int STRING = 4;
  public static final int DOUBLE = 9;
  /**
   * The longest argument one Uri-Query option carries (RFC 7252 section 5.10, as Californium enforces
   * it); Device OS would take up to 1,024 bytes, which needs an option longer than CoAP allows.
   */
  public static final int MAX_ARGUMENT_BYTES = 255;

  private ParticleCalls() {
  }

  /**
   * {@code POST /f/{name}?{argument}}: answered 2.04 with the function's int32 return value, big-endian.
   *
   * @throws IllegalArgumentException when the argument is longer than {@link #MAX_ARGUMENT_BYTES} bytes of UTF-8
   */
  public static CompletableFuture<CoapReply> function(DevicePeer peer, String name, String argument) {
    byte[] bytes = argument.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_ARGUMENT_BYTES) {
      throw new IllegalArgumentException("the argument is " + bytes.length + " bytes; a Particle device takes " + MAX_ARGUMENT_BYTES);
    }
    return peer.request(Code.POST, List.of("f", name), List.of(argument), null);
  }

  /** {@code GET /v/{name}}: answered 2.05 with the value in the variable's type ({@link #value}). */
  public static CompletableFuture<CoapReply> variable(DevicePeer peer, String name) {
    return peer.request(Code.GET, List.of("v", name), List.of(), null);
  }

  /** {@code PUT /s} with one byte, 1 (signal: the LED shows rainbows) or 0 (stop); answered 2.04. */
  public static CompletableFuture<CoapReply> signal(DevicePeer peer, boolean on) {
    return peer.request(Code.PUT, List.of("s"), List.of(), new byte[] {(byte) (on ? 1 : 0)});
  }

  /**
   * A function's answer as decimal text.
   *
   * @throws IllegalArgumentException when it is not 4 bytes
   */
  public static String returnValue(byte[] payload) {
    if (payload.length != 4) {
      throw new IllegalArgumentException("a function's return value is 4 bytes, not " + payload.length);
    }
    return Integer.toString(ByteBuffer.wrap(payload).getInt());
  }

  /**
   * A variable's value as text: bool one byte ({@code true}/{@code false}), int32 big-endian, double
   * 8 bytes in the device's own order (little-endian on every Particle platform), string as is.
   *
   * @throws IllegalArgumentException when the bytes do not fit the type, or the type is none of these
   */
  public static String value(byte[] payload, int type) {
    return switch (type) {
      case BOOLEAN -> {
        requireLength(payload, 1, "bool");
        yield payload[0] != 0 ? "true" : "false";
      }
      case INT -> {
        requireLength(payload, 4, "int");
        yield Integer.toString(ByteBuffer.wrap(payload).getInt());
      }
      case DOUBLE -> {
        requireLength(payload, 8, "double");
        yield Double.toString(ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getDouble());
      }
      case STRING -> new String(payload, StandardCharsets.UTF_8);
      default -> throw new IllegalArgumentException("variable type " + type + " is none of Device OS's");
    };
  }

  private static void requireLength(byte[] payload, int length, String type) {
    if (payload.length != length) {
      throw new IllegalArgumentException("a " + type + " is " + length + " bytes, not " + payload.length);
    }
  }
}
