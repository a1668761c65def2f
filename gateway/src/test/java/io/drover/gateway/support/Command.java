package io.drover.gateway.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real program the tests drive ({@code openssl}, {@code mosquitto_pub}, {@code coap-client-gnutls}), run to its end. */
public final class Command {

  /** What a command printed (stdout and stderr together) and how it exited. */
  public record Result(int exitCode, String output) {

    @Override
    public String toString() {
      return "exit " + exitCode + ": " + output;
    }
  }

  private Command() {
  }

  /** Runs {@code command} with no input, at most 30 seconds; bin/test installs the programs. */
  public static Result run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError(String.join(" ", command) + " did not finish within 30 s");
      }
      return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0) + " (bin/test installs it)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
