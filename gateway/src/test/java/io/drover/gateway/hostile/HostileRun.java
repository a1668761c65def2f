package io.drover.gateway.hostile;

import io.drover.gateway.hostile.gen.Gen;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs a {@link Hostile} property: draws its cases, hands each to the property's check with its
 * {@link Tally}, runs its check afterwards, watches the log meanwhile, and writes the figures (cases
 * tried, crashes, hangs, heap after a full GC) to {@code target/hostile-input/<surface>.<property>.txt}
 * and to standard output, where load-tests/bin/fuzz.sh collects them.
 *
 * <p>How many cases: {@code -Dfuzz.tries.<surface>=N} over {@code -Dfuzz.tries=N} over the property's
 * {@link Hostile#ciTries}. Which: the property's seed is {@value #CI_SEED} unless {@code -Dfuzz.seed=}
 * names another ({@code random} or empty: a new one each run); each case has a seed of its own, the
 * next of a sequence that starts from the property's, and is drawn from it alone, so that
 * {@code -Dfuzz.case=<its seed>} draws that case again, and only it.
 *
 * <p>The first case that fails ends the property (after its check afterwards): its failure names the
 * property's seed, the case's number and seed, the case as its {@code toString} describes it, and the
 * flags that run it again. Nothing is shrunk: what fails is what was drawn.
 */
public final class HostileRun {

  /** CI's seed: a build is repeatable, and a failure it shows, the same commit shows again. */
  static final String CI_SEED = "20261206";

  /** A property's check of one case; it calls {@link Tally#tried} when the case ends well and throws when not. */
  @FunctionalInterface
  public interface Check<T> {
    void check(T hostile, Tally tally) throws Exception;
  }

  /** A property's check after its last case (a good client still served, say). */
  @FunctionalInterface
  public interface Afterwards {
    void check(Tally tally) throws Exception;
  }

  /**
   * Where a run's cases come from: {@code tries} seeds from {@code propertySeed}, or, when {@code caseSeed}
   * is not null, that one seed alone.
   */
  record Seeds(int tries, long propertySeed, Long caseSeed) {

    /** From {@code fuzz.tries.<surface>}, {@code fuzz.tries}, {@code fuzz.seed} and {@code fuzz.case}. */
    static Seeds fromSystemProperties(String surface, int ciTries) {
      int tries = Integer.getInteger("fuzz.tries." + surface, Integer.getInteger("fuzz.tries", ciTries));
      String seed = System.getProperty("fuzz.seed", CI_SEED).trim();
      long propertySeed = seed.isEmpty() || seed.equals("random") ? new SecureRandom().nextLong() : Long.parseLong(seed);
      String oneCase = System.getProperty("fuzz.case", "").trim();
      return new Seeds(tries, propertySeed, oneCase.isEmpty() ? null : Long.parseLong(oneCase));
    }

    /** The seed the figures show: the property's, or {@code case:<seed>} when one case ran. */
    String shown() {
      return caseSeed == null ? Long.toString(propertySeed) : "case:" + caseSeed;
    }
  }

  private final Seeds seeds;
  private final String surface;
  private final String property;
  /** The property as {@code -Dtest=} names it: {@code HostileMqttTest#everyHostileStreamIsAnsweredOrClosed}. */
  private final String testName;
  private final List<String> excusedErrors;
  private final Path figuresDirectory;
  private final PrintStream out;

  HostileRun(Seeds seeds, String surface, String property, String testName, List<String> excusedErrors, Path figuresDirectory, PrintStream out) {
    this.seeds = seeds;
    this.surface = surface;
    this.property = property;
    this.testName = testName;
    this.excusedErrors = List.copyOf(excusedErrors);
    this.figuresDirectory = figuresDirectory;
    this.out = out;
  }

  /**
   * Draws the cases from {@code cases} and checks each, then runs {@code afterwards} (whether a case
   * failed or not), and writes the figures.
   *
   * @throws AssertionError the first case that failed, with its seeds; else what failed afterwards, or an
   *     ERROR logged after the last case
   */
  public <T> void forAll(Gen<T> cases, Check<? super T> check, Afterwards afterwards) throws IOException {
    Tally tally = new Tally(surface, property, excusedErrors);
    AssertionError failure = null;
    try (ErrorLog errors = ErrorLog.watch()) {
      tally.watch(errors);
      SplittableRandom caseSeeds = new SplittableRandom(seeds.propertySeed());
      int tries = seeds.caseSeed() == null ? seeds.tries() : 1;
      for (int index = 0; index < tries && failure == null; index++) {
        long caseSeed = seeds.caseSeed() == null ? caseSeeds.nextLong() : seeds.caseSeed();
        T hostile = null;
        try {
          hostile = cases.next(new SplittableRandom(caseSeed));
          check.check(hostile, tally);
        } catch (Throwable failed) {
          failure = caseFailed(index, tries, caseSeed, hostile, failed);
        }
      }
      try {
        afterwards.check(tally);
      } catch (Throwable failed) {
        AssertionError after = new AssertionError(testName + " failed after its cases (seed " + seeds.shown() + "): " + failed, failed);
        if (failure == null) {
          failure = after;
        } else {
          failure.addSuppressed(after);
        }
      }
      tally.settle();
    }
    if (failure == null) {
      failure = tally.failure().map(logged -> new AssertionError(testName + " (seed " + seeds.shown() + "): " + logged.getMessage(), logged))
          .orElse(null);
    }
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    String figures = tally.figures(failure == null ? "SUCCESSFUL" : "FAILED", heap, seeds.shown());
    Path report = figuresDirectory.resolve(surface + "." + property + ".txt");
    Files.createDirectories(report.getParent());
    Files.writeString(report, figures + "\n", StandardCharsets.UTF_8);
    out.println("HOSTILE " + figures);
    if (failure != null) {
      throw failure;
    }
  }

  private AssertionError caseFailed(int index, int tries, long caseSeed, Object hostile, Throwable failed) {
    String drawn = hostile == null ? "(the generator failed to draw it)" : hostile.toString();
    String seed = seeds.caseSeed() == null ? "property seed " + seeds.propertySeed() + ", case seed " + caseSeed : "case seed " + caseSeed + " alone";
    String again = seeds.caseSeed() == null ? "; the whole property again: -Dfuzz.seed=" + seeds.propertySeed() : "";
    return new AssertionError(testName + " failed at case " + (index + 1) + " of " + tries + " (" + seed + "): " + failed.getMessage()
        + "\n  the case: " + drawn + "\n  this case alone: -Dtest='" + testName + "' -Dfuzz.case=" + caseSeed + again, failed);
  }

  /** Hands a {@link Hostile} property its run, made from the annotation and the system properties. */
  public static final class Resolver implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == HostileRun.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      Method method = context.getRequiredTestMethod();
      Hostile hostile = method.getAnnotation(Hostile.class);
      return new HostileRun(Seeds.fromSystemProperties(hostile.surface(), hostile.ciTries()), hostile.surface(), method.getName(),
          context.getRequiredTestClass().getSimpleName() + "#" + method.getName(), List.of(hostile.excusedErrors()),
          Path.of("target", "hostile-input"), System.out);
    }
  }
}
