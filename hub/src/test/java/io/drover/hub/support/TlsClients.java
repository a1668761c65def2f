package io.drover.hub.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real TLS clients against a node's TLS ports: the {@code openssl}, {@code curl} and
 * {@code mosquitto_pub} commands, and a hand-made TLS 1.2 ClientHello for what today's OpenSSL can no
 * longer offer (export cipher suites were removed from it in 1.1.0).
 */
public final class TlsClients {

  private TlsClients() {
  }

  /** What a command printed (stdout and stderr together) and how it exited. */
  public record Result(int exitCode, String output) {
  }

  /** Runs a command with no input to its end, at most 30 seconds. */
  public static Result run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError(String.join(" ", command) + " did not finish within 30 s");
    }
    return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  /**
   * {@code openssl s_client} to 127.0.0.1:{@code port}, verifying the server against {@code caFile},
   * with {@code options} (such as {@code -tls1_2}); it ends at once after the handshake.
   */
  public static Result sClient(int port, Path caFile, String... options) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
        "-CAfile", caFile.toString(), "-verify_return_error", "-brief"));
    command.addAll(List.of(options));
    return run(command);
  }

  /** A mosquitto_pub of one QoS 1 message, over TLS when {@code caFile} is given. */
  public static Result mosquittoPub(int port, Path caFile, String id, String secret, String topic, String message)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port),
        "-i", id, "-u", id, "-P", secret, "-q", "1", "-t", topic, "-m", message));
    if (caFile != null) {
      command.addAll(List.of("--cafile", caFile.toString()));
    }
    return run(command);
  }

  /**
   * Sends a TLS 1.2 ClientHello offering only {@code cipherSuites} (IANA numbers) to 127.0.0.1:{@code
   * port}, with the extensions an ECDSA P-256 server needs, and returns the first record's content
   * type the server answers with: 22 (handshake: a ServerHello), 21 (an alert), or -1 when it closed.
   */
  public static int answerToClientHello(int port, int... cipherSuites) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(clientHello(cipherSuites));
      socket.getOutputStream().flush();
      return socket.getInputStream().read();
    }
  }

  /** Writes {@code bytes} to 127.0.0.1:{@code port} and reads until the server closes (at most 10 s): what it answered. */
  public static byte[] sendRaw(int port, byte[] bytes) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      return in.readAllBytes();
    }
  }

  /** RFC 5246 section 7.4.1.2, in a record of version 1.0 as clients send their first. */
  private static byte[] clientHello(int... cipherSuites) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(3);
    body.write(3);
    body.writeBytes(new byte[32]);
    body.write(0);
    short16(body, cipherSuites.length * 2);
    for (int suite : cipherSuites) {
      short16(body, suite);
    }
    body.write(1);
    body.write(0);
    ByteArrayOutputStream extensions = new ByteArrayOutputStream();
    // supported_groups: secp256r1
    extensions.writeBytes(new byte[] {0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17});
    // ec_point_formats: uncompressed
    extensions.writeBytes(new byte[] {0x00, 0x0b, 0x00, 0x02, 0x01, 0x00});
    // signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256
    extensions.writeBytes(new byte[] {0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01});
    short16(body, extensions.size());
    body.writeBytes(extensions.toByteArray());

    ByteArrayOutputStream handshake = new ByteArrayOutputStream();
    handshake.write(1);
    handshake.write(body.size() >>> 16);
    short16(handshake, body.size());
    handshake.writeBytes(body.toByteArray());

    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.write(22);
    record.write(3);
    record.write(1);
    short16(record, handshake.size());
    record.writeBytes(handshake.toByteArray());
    return record.toByteArray();
  }

  private static void short16(ByteArrayOutputStream out, int value) {
    out.write(value >>> 8);
    out.write(value);
  }
}
