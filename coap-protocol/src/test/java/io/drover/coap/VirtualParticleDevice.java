package io.drover.coap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Particle's virtual Device OS 6.2.0 device ({@code ../shared/tools/particle-vdev/vdevtest}, its README)
 * run as a process: a key of its own, the node's {@code server_key.der}, UDP (Gen 3 protocol). Its log
 * (verbosity 70) is kept in its directory and shown by {@link #log()} when a test fails.
 */
public final class VirtualParticleDevice implements AutoCloseable {

  /** Device OS's {@code gcc} platform, which the virtual device is. */
  public static final int PLATFORM_ID = 3;

  private final Path dir;
  private final String deviceId;
  private final KeyPair key;
  private final Process process;

  private VirtualParticleDevice(Path dir, String deviceId, KeyPair key, Process process) {
    this.dir = dir;
    this.deviceId = deviceId;
    this.key = key;
    this.process = process;
  }

  /** A new device key and a random device ID. */
  public static KeyPair newKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  public static String newDeviceId() {
    byte[] id = new byte[12];
    ThreadLocalRandom.current().nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  /**
   * A loopback address no one else likely binds (127.0.0.0/8 is all loopback on Linux): Device OS
   * always connects to port 5684, so parallel tests and a node on the machine differ by address.
   */
  public static String freeLoopbackHost() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "127." + (100 + random.nextInt(100)) + "." + random.nextInt(256) + "." + (1 + random.nextInt(254));
  }

  /** Starts the device against the node at {@code host}:5684 that proves itself with {@code serverKey}. */
  public static VirtualParticleDevice start(String deviceId, KeyPair key, PublicKey serverKey, String host) throws IOException {
    return start(deviceId, key, serverKey, host, List.of());
  }

  /** {@link #start(String, KeyPair, PublicKey, String)} with more of Device OS's settings, e.g. {@code --product_version=5}. */
  public static VirtualParticleDevice start(String deviceId, KeyPair key, PublicKey serverKey, String host, List<String> settings)
      throws IOException {
    Path binary = binary();
    Path dir = Files.createTempDirectory("particle-vdev");
    Files.write(dir.resolve("device_key.der"), sec1(key));
    Files.write(dir.resolve("server_key.der"), ParticleServerKey.encode(serverKey, host));
    List<String> command = new java.util.ArrayList<>(List.of(binary.toString(), "--device_id", deviceId,
        "--device_key", "device_key.der", "--server_key", "server_key.der", "-p", "udp", "-v", "70"));
    command.addAll(settings);
    Process process = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("vdev.log").toFile())
        .start();
    return new VirtualParticleDevice(dir, deviceId, key, process);
  }

  /**
   * Where the binary is: {@code -Dparticle.vdev=}, else {@code PARTICLE_VDEV}, else the shared tools
   * beside the repository. Its runtime libraries come from bin/test's apt step.
   */
  static Path binary() {
    String configured = System.getProperty("particle.vdev", System.getenv("PARTICLE_VDEV"));
    Path binary = configured != null ? Path.of(configured)
        : repositoryRoot().resolve("../shared/tools/particle-vdev/vdevtest").normalize();
    // a checkout without the shared tools beside it has no peer to test against: the test says so and is skipped
    Assumptions.assumeTrue(Files.isExecutable(binary),
        "no Particle virtual device at " + binary + ": skipped (set -Dparticle.vdev or PARTICLE_VDEV)");
    return binary;
  }

  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("coap-protocol"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("not inside the Drover repository: " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  /**
   * The private key as SEC1 DER with its public key ({@code openssl ecparam -genkey -outform DER}
   * writes this): Device OS reads the public key from the file ("Error extracting public key" for
   * Java's PKCS#8, which leaves it out).
   */
  static byte[] sec1(KeyPair key) {
    java.security.interfaces.ECPrivateKey privateKey = (java.security.interfaces.ECPrivateKey) key.getPrivate();
    java.security.interfaces.ECPublicKey publicKey = (java.security.interfaces.ECPublicKey) key.getPublic();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(HexFormat.of().parseHex("307702010104" + "20"));
    out.writeBytes(unsigned32(privateKey.getS()));
    out.writeBytes(HexFormat.of().parseHex("a00a06082a8648ce3d030107" + "a144034200" + "04"));
    out.writeBytes(unsigned32(publicKey.getW().getAffineX()));
    out.writeBytes(unsigned32(publicKey.getW().getAffineY()));
    return out.toByteArray();
  }

  private static byte[] unsigned32(java.math.BigInteger value) {
    byte[] bytes = value.toByteArray();
    byte[] fixed = new byte[32];
    int length = Math.min(bytes.length, 32);
    System.arraycopy(bytes, bytes.length - length, fixed, 32 - length, length);
    return fixed;
  }

  public String deviceId() {
    return deviceId;
  }

  public PublicKey publicKey() {
    return key.getPublic();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** The device's output so far. */
  public String log() {
    try {
      return new String(Files.readAllBytes(dir.resolve("vdev.log")), StandardCharsets.UTF_8); // binary dumps in it: replaced, not refused
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s); the directory goes too. */
  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  /** Waits until {@code condition} holds, polling every 50 ms. */
  public static boolean await(Duration limit, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return condition.getAsBoolean();
  }
}
