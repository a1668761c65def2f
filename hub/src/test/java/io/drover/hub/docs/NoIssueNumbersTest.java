package io.drover.hub.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Code names the feature, not the issue that asked for it: an issue's number tells a reader nothing once
 * the tracker is gone, "integrations (webhooks)" does. Every text file of the modules' sources and tests,
 * of {@code bin/}, {@code load-tests/bin/}, {@code docker/} and {@code dashboards/} is searched.
 *
 * <p>Migrations up to V21 are left as they are: Flyway checks each applied migration's checksum at
 * start-up, so changing a comment in one would stop every node whose database has it.
 */
class NoIssueNumbersTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  /** The word issue followed by a number ("#" allowed); not the word alone, nor an issue named by its title. */
  static final Pattern ISSUE_NUMBER = Pattern.compile("(?i)\\bissues?\\s+#?[0-9]+");
  /** The migrations applied before this rule (their checksums hold their text). */
  private static final Pattern FROZEN_MIGRATION = Pattern.compile("V([0-9]+)__.*\\.sql");
  private static final int LAST_FROZEN_MIGRATION = 21;

  @Test
  void noSourceTestOrScriptNamesAnIssueNumber() throws IOException {
    List<Path> searched = new ArrayList<>();
    for (String module : new String[] {"coap-protocol", "gateway", "hub", "load-tests"}) {
      searched.add(ROOT.resolve(module).resolve("src/main"));
      searched.add(ROOT.resolve(module).resolve("src/test"));
    }
    for (String dir : new String[] {"bin", "load-tests/bin", "docker", "dashboards"}) {
      searched.add(ROOT.resolve(dir));
    }
    List<String> found = new ArrayList<>();
    int files = 0;
    for (Path base : searched) {
      assertTrue(Files.isDirectory(base), base + " is gone: update the places this test searches");
      try (Stream<Path> walk = Files.walk(base)) {
        for (Path file : walk.filter(Files::isRegularFile).filter(NoIssueNumbersTest::searched).toList()) {
          String text = textOf(file);
          if (text == null) {
            continue;
          }
          files++;
          found.addAll(issueNumbersIn(ROOT.relativize(file).toString(), text));
        }
      }
    }
    assertTrue(files > 500, "searched only " + files + " files: is the test looking in the right place (" + ROOT + ")?");
    assertEquals(List.of(), found, "name the feature instead of the issue number");
  }

  @Test
  void theCheckSeesAnIssueNumberInACommentAndNotTheWordAlone() {
    String code = "// integrations (" + "issue " + "18): the delivery engine\n"
        + "/* the issue \"Accounts and access\" asked for this; see Issue #" + "7 */\n"
        + "int issues = 2;\n";
    assertEquals(List.of("Example.java:1: issue " + "18", "Example.java:2: Issue #" + "7"), issueNumbersIn("Example.java", code));
  }

  private static boolean searched(Path file) {
    String path = file.toString();
    if (path.contains("/node_modules/") || path.contains("/target/")) {
      return false;
    }
    Matcher migration = FROZEN_MIGRATION.matcher(file.getFileName().toString());
    return !(path.contains("/db/migration/") && migration.matches() && Integer.parseInt(migration.group(1)) <= LAST_FROZEN_MIGRATION);
  }

  /** The file's text, or null for a binary one (not UTF-8, or with NUL bytes). */
  private static String textOf(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    for (byte b : bytes) {
      if (b == 0) {
        return null;
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static List<String> issueNumbersIn(String name, String text) {
    List<String> found = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher matcher = ISSUE_NUMBER.matcher(lines[i]);
      while (matcher.find()) {
        found.add(name + ":" + (i + 1) + ": " + matcher.group());
      }
    }
    return found;
  }
}
