package io.drover.hub.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.devices.DtlsServerKey;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParticleServerKeyCommandTest {

  @Test
  void writesTheNodesKeyAndAnIpv4AddressInDeviceOsLayout(@TempDir Path dir) throws Exception {
    Path dataDir = dir.resolve("data");
    KeyPair nodeKey = DtlsServerKey.loadAtStart(dataDir.resolve(DtlsServerKey.FILE_NAME));
    Path out = dir.resolve("server_key.der");

    String printed = run("--address", "192.0.2.7", "--out", out.toString(), "--data-dir=" + dataDir);

    byte[] file = Files.readAllBytes(out);
    byte[] spki = nodeKey.getPublic().getEncoded();
    assertEquals(91, spki.length);
    assertArrayEquals(spki, Arrays.copyOf(file, 91), "the node's SubjectPublicKeyInfo at offset 0");
    assertTrue(Arrays.equals(new byte[192 - 91], Arrays.copyOfRange(file, 91, 192)), "zero padded to offset 192");
    assertArrayEquals(new byte[] {0, 4, (byte) 192, 0, 2, 7}, Arrays.copyOfRange(file, 192, 198), "00 04 and the IPv4 address");
    assertTrue(printed.contains(out.toString()), printed);
  }

  @Test
  void writesAHostNameAsLengthAndName(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("server_key.der");

    run("--address", "devices.example.com", "--out", out.toString(), "--data-dir=" + dir.resolve("data"));

    byte[] file = Files.readAllBytes(out);
    assertEquals(1, file[192]);
    assertEquals(19, file[193]);
    assertEquals("devices.example.com", new String(file, 194, 19, StandardCharsets.US_ASCII));
  }

  @Test
  void refusesAnIpv6AddressAMissingOptionAndAnExistingFile(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("server_key.der");
    String data = "--data-dir=" + dir.resolve("data");

    ConfigException ipv6 = assertThrows(ConfigException.class, () -> run("--address", "::1", "--out", out.toString(), data));
    assertTrue(ipv6.getMessage().contains("IPv4 address or a host name"), ipv6.getMessage());
    assertThrows(ConfigException.class, () -> run("--out", out.toString(), data));
    Files.writeString(out, "kept");
    ConfigException exists = assertThrows(ConfigException.class, () -> run("--address", "192.0.2.7", "--out", out.toString(), data));
    assertTrue(exists.getMessage().contains("exists already"), exists.getMessage());
    assertEquals("kept", Files.readString(out));
  }

  private static String run(String... args) throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ParticleServerKeyCommand.run(List.of(args), new PrintStream(printed, true, StandardCharsets.UTF_8));
    return printed.toString(StandardCharsets.UTF_8);
  }
}
