package io.drover.gateway.hostile;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * A property of the hostile-input suite (docs/operations.md, "Hostile input"): run by {@link HostileRun},
 * which sets its tries, hands it a {@link Tally} and writes its figures.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@AddLifecycleHook(HostileRun.class)
public @interface Hostile {

  /** What it attacks, as the figures name it: {@code mqtt}, {@code coap-dtls}, {@code coap-raw}. */
  String surface();

  /**
   * Tries in an ordinary build; {@code -Dfuzz.tries=N} runs N instead, {@code -Dfuzz.tries.<surface>=N}
   * N for this surface (load-tests/bin/fuzz.sh).
   */
  int ciTries();

  /**
   * ERROR lines (as {@link ErrorLog} writes them: level, logger, " - ", message) that are no crash,
   * as regular expressions; each needs its reason written where it is given. Counted and reported.
   */
  String[] excusedErrors() default {};
}
