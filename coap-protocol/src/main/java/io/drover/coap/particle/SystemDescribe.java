package io.drover.coap.particle;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The system part of a Particle device's describe ({@code POST /d} with bit 1 in its Uri-Query byte,
 * Content-Format 42): protobuf {@code particle.cloud.SystemDescribe} of Particle's published
 * {@code cloud/describe.proto} (particle-iot/device-os-protobuf). Read with protobuf-java's
 * {@link CodedInputStream} by field number, without generated classes (no protoc in the build,
 * docs/architecture.md "Particle devices: the describe"): only the modules' type, index and version
 * are kept, every other field is skipped, so fields Device OS adds later are skipped too.
 *
 * @param modules the firmware modules ({@code firmware_modules = 1}), in the device's order
 */
public record SystemDescribe(List<Module> modules) {

  /** {@code FirmwareModuleType}: the monolithic firmware (the {@code gcc} platform's and other monolithic builds). */
  public static final int MONO_FIRMWARE_MODULE = 3;
  /** {@code FirmwareModuleType}: a part of modular Device OS. */
  public static final int SYSTEM_PART_MODULE = 4;
  /** {@code FirmwareModuleType}: the application. */
  public static final int USER_PART_MODULE = 5;

  /** {@code firmware_modules = 1}, length-delimited. */
  private static final int MODULES_TAG = 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  /** At most a device holds; more is not a describe of a real device. */
  static final int MAX_MODULES = 64;

  /**
   * One {@code FirmwareModule}: {@code type = 1}, {@code index = 2}, {@code version = 3}.
   *
   * @param version the module's version number (Device OS 6.2.0's is 6200)
   */
  public record Module(int type, int index, int version) {
  }

  /**
   * Device OS's version as its modules give it: the version of its system part (the first of the
   * parts: they carry one version) or of its monolithic firmware.
   *
   * @return the module version number, or -1 when no module is Device OS
   */
  public int systemModuleVersion() {
    for (Module module : modules) {
      if (module.type() == SYSTEM_PART_MODULE || module.type() == MONO_FIRMWARE_MODULE) {
        return module.version();
      }
    }
    return -1;
  }

  /** @throws IllegalArgumentException when the bytes are not a SystemDescribe */
  public static SystemDescribe decode(byte[] payload) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(payload);
      List<Module> modules = new ArrayList<>();
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == MODULES_TAG) {
          if (modules.size() == MAX_MODULES) {
            throw new IllegalArgumentException("more than " + MAX_MODULES + " modules");
          }
          int limit = in.pushLimit(in.readRawVarint32());
          modules.add(module(in));
          in.popLimit(limit);
        } else if (!in.skipField(tag)) {
          break;
        }
      }
      return new SystemDescribe(List.copyOf(modules));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a SystemDescribe: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a SystemDescribe: " + e.getMessage(), e);
    }
  }

  private static Module module(CodedInputStream in) throws IOException {
    int type = 0;
    int index = 0;
    int version = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case 1 << 3 | WireFormat.WIRETYPE_VARINT -> type = in.readEnum();
        case 2 << 3 | WireFormat.WIRETYPE_VARINT -> index = in.readUInt32();
        case 3 << 3 | WireFormat.WIRETYPE_VARINT -> version = in.readUInt32();
        default -> in.skipField(tag);
      }
    }
    return new Module(type, index, version);
  }
}
