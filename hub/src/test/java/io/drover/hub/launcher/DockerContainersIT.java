package io.drover.hub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code docker/test.sh} in the suite: the node's image built by {@code docker/Dockerfile} on a base
 * made from Debian packages, {@code docker/compose.yaml} brought up (two hubs, a gateway, PostgreSQL,
 * Prometheus) and its eleven checks. The script holds the logic (a developer runs the same thing by
 * hand); this class makes it part of {@code bin/test}'s Maven run so that it is counted and reported
 * like every other test: it runs in hub's {@code integration-test} phase, after {@code package} made
 * the jar the image takes.
 *
 * <p>Where a Docker engine cannot run at all (not root; a kernel that refuses namespaces) the script
 * exits 77 with the reason, and this test is skipped with that reason, never passed.
 */
class DockerContainersIT {

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final int CANNOT_RUN_HERE = 77;
  /** A cold cache (debootstrap, the images) takes minutes; this bounds a hang, not a slow machine. */
  private static final long TIMEOUT_MINUTES = 30;
  private static final Pattern SUMMARY = Pattern.compile("^(\\d+) passed, (\\d+) failed$");

  @Test
  void theComposeClusterRunsFromImagesBuiltHereAndCarriesADevicesEvent() throws Exception {
    // -Dtest=DockerContainersIT selects it in the test phase too, where the jar is missing or stale
    Assumptions.assumeTrue(Boolean.getBoolean("drover.packaged"),
        "runs in the integration-test phase, after package (mvn verify); this is the test phase");
    Path jar = ROOT.resolve("hub/target/drover.jar");
    assertTrue(Files.isRegularFile(jar), "no " + jar + ": this test runs in the integration-test phase (mvn verify), after package");

    // its own session, so that a timeout can signal the script and everything it runs as one group
    ProcessBuilder builder = new ProcessBuilder("setsid", "bash", ROOT.resolve("docker/test.sh").toString())
        .directory(ROOT.toFile()).redirectErrorStream(true);
    builder.environment().put("DROVER_DOCKER_TEST_JAR_BUILT", "1");
    Process script = builder.start();
    List<String> output = new ArrayList<>();
    Thread reader = new Thread(() -> copyLines(script, output), "docker-test-output");
    reader.setDaemon(true);
    reader.start();

    if (!script.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      stop(script);
      reader.join(10_000);
      fail("docker/test.sh did not finish in " + TIMEOUT_MINUTES + " minutes; stopped (its cleanup ran). Its output:\n" + tail(output));
    }
    reader.join(10_000);
    int status = script.exitValue();
    if (status == CANNOT_RUN_HERE) {
      String reason = snapshot(output).stream().filter(line -> line.contains("SKIP: ")).map(line -> line.substring(line.indexOf("SKIP: ") + 6))
          .findFirst().orElse("docker/test.sh exited 77 without a reason");
      System.out.println("DockerContainersIT skipped: " + reason);
      Assumptions.abort("no Docker engine can run on this machine: " + reason);
    }
    assertEquals(0, status, "docker/test.sh exited " + status + ":\n" + tail(output));
    List<String> lines = snapshot(output);
    assertTrue(lines.stream().noneMatch(line -> line.startsWith("FAIL ")), "a check failed:\n" + tail(output));
    Matcher summary = lines.stream().map(SUMMARY::matcher).filter(Matcher::matches).reduce((first, second) -> second)
        .orElseThrow(() -> new AssertionError("no summary line:\n" + tail(output)));
    assertEquals("0", summary.group(2), tail(output));
    assertEquals(11, Integer.parseInt(summary.group(1)), "every check ran and passed:\n" + tail(output));
    assertEquals(11, lines.stream().filter(line -> line.startsWith("PASS ")).count(), "one PASS line per check:\n" + tail(output));
  }

  /** Each line to the suite's output as it comes (a cold run takes minutes) and into {@code output}. */
  private static void copyLines(Process script, List<String> output) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        System.out.println("docker/test.sh| " + line);
        synchronized (output) {
          output.add(line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * SIGTERM to the script's process group (setsid made it the leader): the script's trap takes the
   * cluster down and stops an engine it started; then, after two minutes, whatever is left is killed.
   */
  private static void stop(Process script) throws Exception {
    new ProcessBuilder("kill", "-TERM", "--", "-" + script.pid()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    if (!script.waitFor(2, TimeUnit.MINUTES)) {
      script.descendants().forEach(ProcessHandle::destroyForcibly);
      script.destroyForcibly();
    }
  }

  private static List<String> snapshot(List<String> output) {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  private static String tail(List<String> output) {
    List<String> lines = snapshot(output);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
