package io.drover.gateway.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.hostile.gen.Gen;
import io.drover.gateway.hostile.gen.Gens;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The runner of the hostile-input properties: its cases, its seeds, what a failure tells, its figures. */
class HostileRunTest {

  private static final Gen<Integer> CASES = Gens.ints(0, 1_000_000);
  private static final HostileRun.Afterwards NOTHING_AFTER = tally -> { };

  @TempDir
  Path figures;
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

  @Test
  void aPassingPropertyTriesEveryCaseAndWritesItsFigures() throws Exception {
    List<Integer> drawn = new ArrayList<>();
    run(new HostileRun.Seeds(30, 20261206, null)).forAll(CASES, (value, tally) -> {
      drawn.add(value);
      tally.tried("case " + value, value % 2 == 0 ? "even" : "odd");
    }, NOTHING_AFTER);

    assertEquals(30, drawn.size());
    String line = Files.readString(figures.resolve("selftest.property.txt"), StandardCharsets.UTF_8).strip();
    assertTrue(line.startsWith("surface=selftest property=property status=SUCCESSFUL cases=30 crashes=0 hangs=0 heap_after_mib="), line);
    assertTrue(line.contains(" seed=20261206 excused_errors=0 "), line);
    long even = drawn.stream().filter(value -> value % 2 == 0).count();
    assertTrue(line.endsWith("outcomes={" + (even > 0 ? "even=" + even + (even < 30 ? ", " : "") : "") + (even < 30 ? "odd=" + (30 - even) : "") + "}"),
        line);
    assertEquals("HOSTILE " + line, printed.toString(StandardCharsets.UTF_8).strip());
  }

  @Test
  void theSameSeedTriesTheSameCasesAndAnotherSeedOthers() throws Exception {
    assertEquals(casesOf(7), casesOf(7));
    assertTrue(!casesOf(7).equals(casesOf(8)), "two seeds, the same cases");
  }

  @Test
  void aFailureNamesItsCaseAndTheSeedThatDrawsItAloneAgain() throws Exception {
    List<Integer> drawn = casesOf(99);
    int failing = drawn.get(5);
    List<Boolean> after = new ArrayList<>();
    AssertionError failure = assertThrows(AssertionError.class, () -> run(new HostileRun.Seeds(20, 99, null)).forAll(CASES, (value, tally) -> {
      if (value == failing) {
        throw tally.crash("case " + value + " fails");
      }
      tally.tried("case " + value, "fine");
    }, tally -> after.add(true)));

    assertEquals(List.of(true), after, "the check afterwards runs after a failed case too");
    Matcher message = Pattern.compile("HostileRunTest#property failed at case 6 of 20 \\(property seed 99, case seed (-?\\d+)\\): crash: case "
        + failing + " fails\n  the case: " + failing + "\n  this case alone: -Dtest='HostileRunTest#property' -Dfuzz.case=(-?\\d+); "
        + "the whole property again: -Dfuzz.seed=99").matcher(failure.getMessage());
    assertTrue(message.matches(), failure.getMessage());
    assertEquals(message.group(1), message.group(2));
    assertTrue(Files.readString(figures.resolve("selftest.property.txt")).contains(" status=FAILED cases=5 crashes=1 "));

    List<Integer> again = new ArrayList<>();
    run(new HostileRun.Seeds(20, 12345, Long.parseLong(message.group(1)))).forAll(CASES, (value, tally) -> {
      again.add(value);
      tally.tried("case " + value, "fine");
    }, NOTHING_AFTER);
    assertEquals(List.of(failing), again, "the case seed draws that case, and only it");
    assertTrue(Files.readString(figures.resolve("selftest.property.txt")).contains(" seed=case:" + message.group(1) + " "));

    AssertionError alone = assertThrows(AssertionError.class, () -> run(new HostileRun.Seeds(20, 12345, Long.parseLong(message.group(1))))
        .forAll(CASES, (value, tally) -> {
          throw tally.crash("case " + value + " fails");
        }, NOTHING_AFTER));
    assertTrue(alone.getMessage().startsWith("HostileRunTest#property failed at case 1 of 1 (case seed " + message.group(1) + " alone): crash: case "
        + failing + " fails"), alone.getMessage());
  }

  @Test
  void aFailureAfterTheCasesFailsTheProperty() {
    AssertionError failure = assertThrows(AssertionError.class, () -> run(new HostileRun.Seeds(3, 1, null)).forAll(CASES,
        (value, tally) -> tally.tried("case", "fine"), tally -> {
          throw tally.crash("no good client afterwards");
        }));
    assertTrue(failure.getMessage().startsWith("HostileRunTest#property failed after its cases (seed 1): "), failure.getMessage());
  }

  @Test
  void anErrorLoggedDuringACaseIsACrash() {
    AssertionError failure = assertThrows(AssertionError.class, () -> run(new HostileRun.Seeds(3, 1, null)).forAll(CASES, (value, tally) -> {
      LoggerFactory.getLogger("selftest.server").error("the server fell over (logged on purpose: HostileRunTest)");
      tally.tried("case " + value, "fine");
    }, NOTHING_AFTER));
    assertTrue(failure.getMessage().contains("failed at case 1 of 3"), failure.getMessage());
    assertTrue(failure.getMessage().contains("the server logged [ERROR selftest.server - the server fell over (logged on purpose: HostileRunTest)]"),
        failure.getMessage());
  }

  private List<Integer> casesOf(long seed) throws Exception {
    List<Integer> drawn = new ArrayList<>();
    run(new HostileRun.Seeds(10, seed, null)).forAll(CASES, (value, tally) -> {
      drawn.add(value);
      tally.tried("case", "fine");
    }, NOTHING_AFTER);
    return drawn;
  }

  private HostileRun run(HostileRun.Seeds seeds) {
    return new HostileRun(seeds, "selftest", "property", "HostileRunTest#property", List.of(), figures,
        new PrintStream(printed, true, StandardCharsets.UTF_8));
  }
}
