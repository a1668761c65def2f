package io.drover.gateway.hostile;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.Lifespan;
import net.jqwik.api.lifecycle.ParameterResolutionContext;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.lifecycle.ResolveParameterHook;
import net.jqwik.api.lifecycle.Store;

/**
 * Runs a {@link Hostile} property: sets its tries ({@code fuzz.tries.<surface>}, {@code fuzz.tries}, or
 * the CI default), watches the
 * log while it runs, hands it its {@link Tally} as a parameter, and afterwards writes the figures (cases
 * tried, crashes, hangs, heap after a full GC) to {@code target/hostile-input/<surface>.<property>.txt}
 * and to standard output, where load-tests/bin/fuzz.sh collects them. Outermost of the property's hooks,
 * so that the figures include what its {@code @AfterProperty} checks find.
 */
public final class HostileRun implements AroundPropertyHook, ResolveParameterHook {

  private static final String STORE = HostileRun.class.getName() + ".tally";
  static final String CI_SEED = "20261206";

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) throws IOException {
    Hostile hostile = context.findAnnotation(Hostile.class).orElseThrow();
    // fuzz.tries.<surface> over fuzz.tries over the CI default: a long run gives the slow surface fewer
    int tries = Integer.getInteger("fuzz.tries." + hostile.surface(), Integer.getInteger("fuzz.tries", hostile.ciTries()));
    context.attributes().setTries(tries);
    // the generators name their edge values themselves; jqwik's own, combined over arbitraries this large,
    // came to millions of objects held for the whole property
    context.attributes().setEdgeCases(EdgeCasesMode.NONE);
    // CI runs from a fixed seed: a build is repeatable, and a failure it shows, the same commit shows
    // again; "random" (fuzz.sh's default) explores new cases
    String seed = System.getProperty("fuzz.seed", CI_SEED);
    if (!seed.isBlank() && !"random".equals(seed)) {
      context.attributes().setSeed(seed);
    }
    Tally tally = new Tally(hostile.surface(), context.targetMethod().getName(), List.of(hostile.excusedErrors()));
    Store.create(STORE, Lifespan.PROPERTY, () -> tally);
    PropertyExecutionResult result;
    try (ErrorLog errors = ErrorLog.watch()) {
      tally.watch(errors);
      result = property.execute();
      tally.settle();
    }
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    String figures = tally.figures(result.status().name(), heap, result.seed().orElse("none"));
    Path report = Path.of("target", "hostile-input", hostile.surface() + "." + context.targetMethod().getName() + ".txt");
    Files.createDirectories(report.getParent());
    Files.writeString(report, figures + "\n", StandardCharsets.UTF_8);
    System.out.println("HOSTILE " + figures);
    return tally.failure().map(result::mapToFailed).orElse(result);
  }

  /** Outside the hooks of {@code @BeforeProperty} and {@code @AfterProperty} methods. */
  @Override
  public int aroundPropertyProximity() {
    return -100;
  }

  @Override
  public Optional<ParameterSupplier> resolve(ParameterResolutionContext parameter, LifecycleContext lifecycle) {
    if (parameter.typeUsage().isOfType(Tally.class)) {
      return Optional.of(optionalTry -> Store.<Tally>get(STORE).get());
    }
    return Optional.empty();
  }
}
