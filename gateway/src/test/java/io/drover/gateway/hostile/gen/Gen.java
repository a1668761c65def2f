package io.drover.gateway.hostile.gen;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A generator of values: {@link #next} draws one from a random source, and the same source in the same
 * state always gives the same value (a generator keeps no state of its own, so it can be made once and
 * drawn from by any number of cases). Made by {@link Gens}, composed with the methods below.
 *
 * <p>There is no shrinking: a failing case is reported as it was drawn, with the seed that draws it again
 * (docs/operations.md, "Hostile input").
 */
@FunctionalInterface
public interface Gen<T> {

  /** Draws one value; every random number it needs comes from {@code random}. */
  T next(SplittableRandom random);

  /** The values of this generator, each passed through {@code mapper}. */
  default <R> Gen<R> map(Function<? super T, ? extends R> mapper) {
    return random -> mapper.apply(next(random));
  }

  /** Draws a value of this generator, then a value of the generator {@code then} makes of it. */
  default <R> Gen<R> flatMap(Function<? super T, ? extends Gen<? extends R>> then) {
    return random -> then.apply(next(random)).next(random);
  }

  /** Lists of {@code minSize} to {@code maxSize} values (inclusive, every size as likely), drawn one after the other. */
  default Gen<List<T>> list(int minSize, int maxSize) {
    Gens.checkRange(minSize, maxSize);
    return random -> {
      int size = Gens.size(random, minSize, maxSize);
      List<T> values = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        values.add(next(random));
      }
      return values;
    };
  }

  /**
   * Lists of {@code minSize} to {@code maxSize} values no two of which have the same {@code key}: a value
   * whose key is taken already is drawn again, up to {@link Gens#UNIQUE_ATTEMPTS} times per place. A list
   * that cannot reach {@code minSize} that way is an error of the generator, not a shorter list.
   */
  default Gen<List<T>> uniqueList(int minSize, int maxSize, Function<? super T, ?> key) {
    Gens.checkRange(minSize, maxSize);
    return random -> {
      int size = Gens.size(random, minSize, maxSize);
      List<T> values = new ArrayList<>(size);
      Set<Object> keys = new HashSet<>();
      for (int attempts = 0; values.size() < size && attempts < size * Gens.UNIQUE_ATTEMPTS; attempts++) {
        T value = next(random);
        if (keys.add(key.apply(value))) {
          values.add(value);
        }
      }
      if (values.size() < minSize) {
        throw new IllegalStateException("could not draw " + minSize + " values with distinct keys; drew " + values);
      }
      return values;
    };
  }

  /** Sets of {@code minSize} to {@code maxSize} distinct values, in the order they were drawn. */
  default Gen<Set<T>> set(int minSize, int maxSize) {
    return uniqueList(minSize, maxSize, Function.identity()).map(LinkedHashSet::new);
  }
}
