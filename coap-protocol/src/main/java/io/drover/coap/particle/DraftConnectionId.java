package io.drover.coap.particle;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.eclipse.californium.scandium.dtls.HelloExtension.ExtensionType;

/**
 * Teaches Scandium the pre-standard DTLS Connection ID code point 254 of Particle's Device OS.
 *
 * <p>Device OS 6.2 links an mbedtls fork that implements draft-ietf-tls-dtls-connection-id-05:
 * extension type 254 (mbedtls' private-use stand-in before IANA assigned one), record content type 25,
 * and the draft's AEAD additional data ({@code seq_num + tls12_cid + version + cid + cid_length +
 * length}). Scandium 3.14 implements that draft's record protection as its "deprecated CID"
 * ({@code DtlsConfig.DTLS_SUPPORT_DEPRECATED_CID}, {@code Record.generateAdditionalDataCidDeprecated})
 * but recognises it only under code point 53 ({@link ExtensionType#CONNECTION_ID_DEPRECATED}). Its
 * {@code ExtensionType} is an enum, so no extension can be registered from outside, and the ClientHello
 * cannot be rewritten on its way in: the Finished messages hash the hello bytes as sent.
 *
 * <p>So the one constant that carries the draft semantics is given the device's number: the enum's
 * {@code id} field of {@code CONNECTION_ID_DEPRECATED} is set from 53 to 254, once per process,
 * before any connector starts. The echo in the ServerHello follows ({@code ServerHandshaker} answers
 * with the type the client used). Code point 53 is then unknown to this process, as any extension
 * Scandium does not know (ignored): no Drover device uses it, and Drover's own CoAPS does not enable
 * the deprecated CID anyway. Californium's own javadoc of that constant suggests exactly this number
 * ({@code CONNECTION_ID_MEDTLS(254, ...)}) for a patched copy; changing the number in place avoids
 * copying the class.
 *
 * <p>{@link #install()} refuses (IllegalStateException) when a Californium upgrade makes this
 * unnecessary or unsafe: a constant already numbered 254, the deprecated constant gone or renumbered,
 * or its {@code id} field final or renamed. {@code DraftConnectionIdTest} checks it, and that a
 * Scandium client speaking 254 with draft record protection gets an 8-byte CID from the Particle
 * listener.
 */
public final class DraftConnectionId {

  /** The ClientHello extension type Device OS 6.2 sends for its Connection ID. */
  public static final int PARTICLE_CODE_POINT = 254;
  /** The code point Scandium 3.14 gives the same draft semantics. */
  static final int SCANDIUM_DEPRECATED_CODE_POINT = 53;

  private DraftConnectionId() {
  }

  /**
   * Renumbers Scandium's deprecated Connection ID extension to 254. Idempotent and thread-safe; call
   * it before a connector that accepts Particle devices starts.
   *
   * @throws IllegalStateException when this Scandium's enum no longer looks as this patch expects
   */
  public static synchronized void install() {
    ExtensionType deprecated = ExtensionType.CONNECTION_ID_DEPRECATED;
    if (deprecated.getReplacementType() != ExtensionType.CONNECTION_ID) {
      throw new IllegalStateException("Scandium's CONNECTION_ID_DEPRECATED no longer stands for the Connection ID extension");
    }
    if (deprecated.getId() == PARTICLE_CODE_POINT) {
      return;
    }
    if (deprecated.getId() != SCANDIUM_DEPRECATED_CODE_POINT) {
      throw new IllegalStateException("Scandium numbers its deprecated Connection ID " + deprecated.getId() + ", not 53: check the patch");
    }
    ExtensionType existing = ExtensionType.getExtensionTypeById(PARTICLE_CODE_POINT);
    if (existing != null) {
      throw new IllegalStateException("Scandium knows code point 254 itself now (" + existing.name() + "): remove this patch");
    }
    try {
      Field id = ExtensionType.class.getDeclaredField("id");
      if (Modifier.isFinal(id.getModifiers()) || id.getType() != int.class) {
        throw new IllegalStateException("ExtensionType.id is no longer a mutable int: the patch needs another way");
      }
      id.setAccessible(true);
      id.setInt(deprecated, PARTICLE_CODE_POINT);
    } catch (NoSuchFieldException | IllegalAccessException e) {
      throw new IllegalStateException("ExtensionType.id cannot be set: the patch needs another way", e);
    }
  }

  /** Whether {@link #install()} has run in this process. */
  public static boolean installed() {
    return ExtensionType.CONNECTION_ID_DEPRECATED.getId() == PARTICLE_CODE_POINT;
  }
}
