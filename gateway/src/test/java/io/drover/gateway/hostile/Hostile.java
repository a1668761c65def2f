package io.drover.gateway.hostile;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A property of the hostile-input suite (docs/operations.md, "Hostile input"): a {@code @Test} method
 * that takes a {@link HostileRun}, which draws its cases, hands each to its check with the property's
 * {@link Tally} and writes its figures.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(HostileRun.Resolver.class)
public @interface Hostile {

  /** What it attacks, as the figures name it: {@code mqtt}, {@code coap-dtls}, {@code coap-raw}. */
  String surface();

  /**
   * Cases in an ordinary build; {@code -Dfuzz.tries=N} runs N instead, {@code -Dfuzz.tries.<surface>=N}
   * N for this surface (load-tests/bin/fuzz.sh).
   */
  int ciTries();

  /**
   * ERROR lines (as {@link ErrorLog} writes them: level, logger, " - ", message) that are no crash,
   * as regular expressions; each needs its reason written where it is given. Counted and reported.
   */
  String[] excusedErrors() default {};
}
