package io.drover.loadtests.swarm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A device identity as the provision command writes it: one {@code id secret} per line, optionally
 * followed by a claim code the device reports once connected ({@code id secret claim-code}, as the
 * console-setup command writes it).
 *
 * @param claimCode null when the line has none
 */
public record DeviceCredentials(String id, String secret, String claimCode) {

  public DeviceCredentials(String id, String secret) {
    this(id, secret, null);
  }

  /**
   * Reads {@code count} devices after skipping {@code offset}; blank lines and {@code #} comments do
   * not count.
   *
   * @throws IllegalArgumentException when the file holds fewer devices, or a line is not {@code id secret}
   */
  public static List<DeviceCredentials> read(Path file, int offset, int count) {
    List<DeviceCredentials> devices = new ArrayList<>(count);
    int seen = 0;
    int lineNumber = 0;
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while (devices.size() < count && (line = reader.readLine()) != null) {
        lineNumber++;
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
          continue;
        }
        if (seen++ < offset) {
          continue;
        }
        String[] fields = trimmed.split("\\s+");
        if (fields.length != 2 && fields.length != 3) {
          throw new IllegalArgumentException(file + " line " + lineNumber + ": expected 'id secret' or 'id secret claim-code'");
        }
        devices.add(new DeviceCredentials(fields[0], fields[1], fields.length == 3 ? fields[2] : null));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    if (devices.size() < count) {
      throw new IllegalArgumentException(file + " holds " + (seen - Math.min(seen, offset)) + " devices after offset "
          + offset + ", fewer than the " + count + " asked for");
    }
    return devices;
  }
}
