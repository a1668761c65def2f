package io.drover.gateway.hostile;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One hostile property's figures: the cases it tried, what each came to (its outcome, a short word
 * such as {@code closed} or {@code answered 4.00}), and the cases that crashed the server (an ERROR
 * logged, a garbled or missing answer, a good device refused afterwards) or hung it (no answer and
 * no close by the deadline). A property calls {@link #tried} once a case ends well, and throws what
 * {@link #crash} or {@link #hang} return when it does not. Used from the property's thread only.
 */
public final class Tally {

  private static final int LISTED = 5;

  private final String surface;
  private final String property;
  private final Map<String, Long> outcomes = new TreeMap<>();
  private final long started = System.nanoTime();
  private ErrorLog log;
  private int errorsSeen;
  private long cases;
  private long crashes;
  private long hangs;
  private final List<Pattern> excused;
  private long excusedErrors;
  private AssertionError failure;

  Tally(String surface, String property, List<String> excusedErrors) {
    this.surface = surface;
    this.property = property;
    this.excused = excusedErrors.stream().map(Pattern::compile).toList();
  }

  void watch(ErrorLog errors) {
    this.log = errors;
  }

  /** A case ended as expected with this outcome; fails it as a crash when the server logged an ERROR meanwhile. */
  public void tried(String caseDescription, String outcome) {
    tried(caseDescription, List.of(outcome));
  }

  /**
   * A case ended as expected, with several outcomes (one for each message it sent, say), each counted
   * once; fails it as a crash when the server logged an ERROR meanwhile.
   */
  public void tried(String caseDescription, Collection<String> caseOutcomes) {
    cases++;
    List<String> fresh = freshErrors();
    if (!fresh.isEmpty()) {
      throw crash(caseDescription + " -> " + caseOutcomes + ", and the server logged " + fresh);
    }
    for (String outcome : caseOutcomes) {
      outcomes.merge(outcome, 1L, Long::sum);
    }
  }

  /** Counts a case that crashed the server; the property throws what this returns. */
  public AssertionError crash(String what) {
    crashes++;
    return new AssertionError("crash: " + what);
  }

  /** Counts a case the server neither answered nor closed by its deadline; the property throws what this returns. */
  public AssertionError hang(String what) {
    hangs++;
    return new AssertionError("hang: " + what);
  }

  /** After the property: an ERROR logged after its last case is a crash too. */
  void settle() {
    List<String> fresh = freshErrors();
    if (!fresh.isEmpty()) {
      failure = crash("the server logged after the last case: " + fresh);
    }
  }

  /** The ERROR lines logged since the last look that are not excused; the excused ones are counted. */
  private List<String> freshErrors() {
    List<String> errors = log.errors();
    List<String> fresh = new ArrayList<>();
    for (String line : errors.subList(errorsSeen, errors.size())) {
      if (excused.stream().anyMatch(pattern -> pattern.matcher(line).matches())) {
        excusedErrors++;
      } else {
        fresh.add(line);
      }
    }
    errorsSeen = errors.size();
    return fresh;
  }

  Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * One line: {@code surface=mqtt property=... status=... cases=N crashes=0 hangs=0 heap_after_mib=...
   * seconds=... seed=... excused_errors=N warnings=N outcomes={...}}, then the first warnings if any.
   */
  String figures(String status, long heapBytes, String seed) {
    List<String> warnings = log.warnings();
    return "surface=" + surface + " property=" + property + " status=" + status + " cases=" + cases + " crashes=" + crashes
        + " hangs=" + hangs + " heap_after_mib=" + String.format(java.util.Locale.ROOT, "%.1f", heapBytes / 1048576.0)
        + " seconds=" + (System.nanoTime() - started) / 1_000_000_000 + " seed=" + seed + " excused_errors=" + excusedErrors + " warnings=" + warnings.size()
        + " outcomes=" + outcomes + (warnings.isEmpty() ? "" : " first_warnings=" + warnings.subList(0, Math.min(LISTED, warnings.size())));
  }
}
