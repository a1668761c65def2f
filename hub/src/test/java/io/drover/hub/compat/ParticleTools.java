package io.drover.hub.compat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The official Particle tools as npm installs them in {@code hub/src/test/js} ({@code bin/test} runs
 * {@code npm ci} there), run as child processes. Missing packages fail the test with the fix, rather
 * than skip it: a compatibility test that can quietly not run proves nothing.
 */
public final class ParticleTools {

  /** Surefire runs in the module's folder. */
  static final Path JS_DIR = Path.of("src", "test", "js").toAbsolutePath();
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[A-Za-z]");

  private ParticleTools() {
  }

  public static Path requireInstalled(String relativePath) {
    Path path = JS_DIR.resolve(relativePath);
    if (!Files.exists(path)) {
      throw new AssertionError(path + " is missing: run `npm ci` in " + JS_DIR + " (bin/test does)");
    }
    return path;
  }

  /**
   * A process in {@code JS_DIR} whose environment holds no proxy (particle-cli would send even
   * loopback requests through HTTPS_PROXY) and no colours.
   */
  static ProcessBuilder process(List<String> command, Map<String, String> extraEnv) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(JS_DIR.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Map<String, String> env = builder.environment();
    for (String proxy : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")) {
      env.remove(proxy);
    }
    env.put("NO_COLOR", "1");
    env.put("FORCE_COLOR", "0");
    env.putAll(extraEnv);
    return builder;
  }

  /** Runs to the end (or kills it after {@code timeoutSeconds}) and returns what it printed, without terminal escapes. */
  public static Result run(List<String> command, Map<String, String> extraEnv, long timeoutSeconds) throws IOException, InterruptedException {
    Process process = process(command, extraEnv).start();
    CompletableFuture<String> stdout = readAll(process.getInputStream());
    CompletableFuture<String> stderr = readAll(process.getErrorStream());
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s; printed: "
          + stdout.join() + stderr.join());
    }
    return new Result(String.join(" ", command), process.exitValue(), withoutEscapes(stdout.join()), withoutEscapes(stderr.join()));
  }

  /** Reads on a thread of its own, so that a full pipe never stalls the child. */
  static CompletableFuture<String> readAll(InputStream stream) {
    CompletableFuture<String> text = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (stream) {
        text.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        text.completeExceptionally(new UncheckedIOException(e));
      }
    }, "child-output-reader");
    reader.setDaemon(true);
    reader.start();
    return text;
  }

  static String withoutEscapes(String text) {
    return ANSI.matcher(text).replaceAll("");
  }

  public record Result(String command, int exitCode, String stdout, String stderr) {

    /** The printed lines, trimmed, without the empty ones. */
    List<String> lines() {
      List<String> lines = new ArrayList<>();
      for (String line : stdout.split("\\R")) {
        if (!line.isBlank()) {
          lines.add(line.strip());
        }
      }
      return lines;
    }

    /** For assertion messages: what was run and everything it printed. */
    String describe() {
      return command + " exited " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }
}
