package io.drover.gateway.hostile.gen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The generators the hostile-input suite builds its cases from (docs/operations.md, "Hostile input"):
 * constants, a choice among values or generators (even or weighted), numbers in a range, byte arrays and
 * strings of bounded length, the combination of several generators, and nested values of bounded depth.
 *
 * <p>Every draw is uniform over what it may give (a size, a number in its range, a choice): the suite's
 * generators name their edge values themselves, as weighted choices, so that how often each comes is
 * written where it is chosen. Ranges are inclusive, except for doubles.
 */
public final class Gens {

  /** How many draws a place in a {@link Gen#uniqueList} may take before the list gives up on it. */
  static final int UNIQUE_ATTEMPTS = 100;

  /** The ASCII letters. */
  public static final String ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  /** The ASCII letters and digits. */
  public static final String ALPHANUMERIC = ALPHA + "0123456789";

  private Gens() {
  }

  // --- constants and choices ---

  /** Always {@code value}. */
  public static <T> Gen<T> constant(T value) {
    return random -> value;
  }

  /** One of {@code values}, each as likely. */
  @SafeVarargs
  public static <T> Gen<T> oneOf(T... values) {
    return oneOf(Arrays.asList(values));
  }

  /** One of {@code values}, each as likely. */
  public static <T> Gen<T> oneOf(List<T> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("nothing to choose from");
    }
    List<T> copy = new ArrayList<>(values); // may hold null, as List.copyOf would not
    return random -> copy.get(random.nextInt(copy.size()));
  }

  /** A value of one of {@code gens}, each generator as likely. */
  @SafeVarargs
  public static <T> Gen<T> choose(Gen<? extends T>... gens) {
    if (gens.length == 0) {
      throw new IllegalArgumentException("nothing to choose from");
    }
    Gen<? extends T>[] copy = gens.clone();
    return random -> copy[random.nextInt(copy.length)].next(random);
  }

  /** A generator and how often it is chosen, against the others of a {@link #frequency}. */
  public record Weighted<T>(int weight, Gen<? extends T> gen) {

    public Weighted {
      if (weight <= 0) {
        throw new IllegalArgumentException("a weight must be positive: " + weight);
      }
    }
  }

  /** {@code gen}, chosen {@code weight} times in the sum of the weights of a {@link #frequency}. */
  public static <T> Weighted<T> weight(int weight, Gen<? extends T> gen) {
    return new Weighted<>(weight, gen);
  }

  /** A value of one of the generators, each chosen in proportion to its weight. */
  @SafeVarargs
  public static <T> Gen<T> frequency(Weighted<? extends T>... choices) {
    if (choices.length == 0) {
      throw new IllegalArgumentException("nothing to choose from");
    }
    Weighted<? extends T>[] copy = choices.clone();
    int total = 0;
    for (Weighted<? extends T> choice : copy) {
      total = Math.addExact(total, choice.weight());
    }
    int sum = total;
    return random -> {
      int ticket = random.nextInt(sum);
      for (Weighted<? extends T> choice : copy) {
        ticket -= choice.weight();
        if (ticket < 0) {
          return choice.gen().next(random);
        }
      }
      throw new AssertionError("unreachable: the tickets add up to the weights");
    };
  }

  // --- numbers ---

  /** Any int. */
  public static Gen<Integer> ints() {
    return SplittableRandom::nextInt;
  }

  /** An int from {@code min} to {@code max}, both included. */
  public static Gen<Integer> ints(int min, int max) {
    if (min > max) {
      throw new IllegalArgumentException("empty range " + min + ".." + max);
    }
    // nextInt(origin, bound) excludes the bound: draw from the longs when max + 1 would overflow
    return max == Integer.MAX_VALUE ? random -> (int) random.nextLong(min, (long) max + 1) : random -> random.nextInt(min, max + 1);
  }

  /** A long from {@code min} to {@code max}, both included. */
  public static Gen<Long> longs(long min, long max) {
    if (min > max) {
      throw new IllegalArgumentException("empty range " + min + ".." + max);
    }
    if (max < Long.MAX_VALUE) {
      return random -> random.nextLong(min, max + 1);
    }
    return min == Long.MIN_VALUE ? SplittableRandom::nextLong : random -> random.nextLong(min - 1, max) + 1;
  }

  /** A double from {@code min} (included) to {@code max} (excluded). */
  public static Gen<Double> doubles(double min, double max) {
    if (!(min < max)) {
      throw new IllegalArgumentException("empty range " + min + ".." + max);
    }
    return random -> random.nextDouble(min, max);
  }

  // --- bytes and strings ---

  /** Byte arrays of {@code minLength} to {@code maxLength} random bytes. */
  public static Gen<byte[]> bytes(int minLength, int maxLength) {
    checkRange(minLength, maxLength);
    return random -> {
      byte[] bytes = new byte[size(random, minLength, maxLength)];
      for (int i = 0; i < bytes.length; ) {
        for (int word = random.nextInt(), n = Math.min(bytes.length - i, 4); n-- > 0; word >>= 8) {
          bytes[i++] = (byte) word;
        }
      }
      return bytes;
    };
  }

  /** Strings of {@code minLength} to {@code maxLength} characters of {@code alphabet}, each as likely. */
  public static Gen<String> strings(String alphabet, int minLength, int maxLength) {
    checkRange(minLength, maxLength);
    if (alphabet.isEmpty()) {
      throw new IllegalArgumentException("an empty alphabet");
    }
    return random -> {
      char[] chars = new char[size(random, minLength, maxLength)];
      for (int i = 0; i < chars.length; i++) {
        chars[i] = alphabet.charAt(random.nextInt(alphabet.length()));
      }
      return new String(chars);
    };
  }

  /**
   * Strings of {@code minLength} to {@code maxLength} characters of any kind: each character from
   * anywhere in the Basic Multilingual Plane but the surrogates one time in two (mostly three bytes of
   * UTF-8, where most of the scripts are), printable ASCII one in four, an ASCII control character
   * (U+0000 among them) one in eight, and from U+0080 to U+07FF (two bytes of UTF-8) one in eight.
   */
  public static Gen<String> strings(int minLength, int maxLength) {
    checkRange(minLength, maxLength);
    return random -> {
      char[] chars = new char[size(random, minLength, maxLength)];
      for (int i = 0; i < chars.length; i++) {
        chars[i] = anyChar(random);
      }
      return new String(chars);
    };
  }

  private static char anyChar(SplittableRandom random) {
    int kind = random.nextInt(8);
    if (kind < 4) {
      int c = random.nextInt(0xffff - 0x800 + 1 - 0x800) + 0x800; // U+0800..U+FFFF without the 0x800 surrogates
      return (char) (c >= 0xd800 ? c + 0x800 : c);
    }
    if (kind < 6) {
      return (char) random.nextInt(0x20, 0x7f);
    }
    if (kind == 6) {
      int c = random.nextInt(33);
      return (char) (c == 32 ? 0x7f : c);
    }
    return (char) random.nextInt(0x80, 0x800);
  }

  // --- combining ---

  /** Three values combined into one. */
  @FunctionalInterface
  public interface Fn3<A, B, C, R> {
    R apply(A a, B b, C c);
  }

  /** Four values combined into one. */
  @FunctionalInterface
  public interface Fn4<A, B, C, D, R> {
    R apply(A a, B b, C c, D d);
  }

  /** Five values combined into one. */
  @FunctionalInterface
  public interface Fn5<A, B, C, D, E, R> {
    R apply(A a, B b, C c, D d, E e);
  }

  /** Six values combined into one. */
  @FunctionalInterface
  public interface Fn6<A, B, C, D, E, F, R> {
    R apply(A a, B b, C c, D d, E e, F f);
  }

  /** Seven values combined into one. */
  @FunctionalInterface
  public interface Fn7<A, B, C, D, E, F, G, R> {
    R apply(A a, B b, C c, D d, E e, F f, G g);
  }

  /** Eight values combined into one. */
  @FunctionalInterface
  public interface Fn8<A, B, C, D, E, F, G, H, R> {
    R apply(A a, B b, C c, D d, E e, F f, G g, H h);
  }

  // Each combine draws its generators in the order given, then applies the function: the order is part
  // of what a seed means, so a change of order changes the cases a seed gives (as any change of a generator).

  public static <A, B, R> Gen<R> combine(Gen<A> a, Gen<B> b, BiFunction<? super A, ? super B, ? extends R> as) {
    return random -> {
      A va = a.next(random);
      return as.apply(va, b.next(random));
    };
  }

  public static <A, B, C, R> Gen<R> combine(Gen<A> a, Gen<B> b, Gen<C> c, Fn3<? super A, ? super B, ? super C, ? extends R> as) {
    return random -> {
      A va = a.next(random);
      B vb = b.next(random);
      return as.apply(va, vb, c.next(random));
    };
  }

  public static <A, B, C, D, R> Gen<R> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d,
      Fn4<? super A, ? super B, ? super C, ? super D, ? extends R> as) {
    return random -> {
      A va = a.next(random);
      B vb = b.next(random);
      C vc = c.next(random);
      return as.apply(va, vb, vc, d.next(random));
    };
  }

  public static <A, B, C, D, E, R> Gen<R> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d, Gen<E> e,
      Fn5<? super A, ? super B, ? super C, ? super D, ? super E, ? extends R> as) {
    return random -> {
      A va = a.next(random);
      B vb = b.next(random);
      C vc = c.next(random);
      D vd = d.next(random);
      return as.apply(va, vb, vc, vd, e.next(random));
    };
  }

  public static <A, B, C, D, E, F, R> Gen<R> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d, Gen<E> e, Gen<F> f,
      Fn6<? super A, ? super B, ? super C, ? super D, ? super E, ? super F, ? extends R> as) {
    return random -> {
      A va = a.next(random);
      B vb = b.next(random);
      C vc = c.next(random);
      D vd = d.next(random);
      E ve = e.next(random);
      return as.apply(va, vb, vc, vd, ve, f.next(random));
    };
  }

  public static <A, B, C, D, E, F, G, R> Gen<R> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d, Gen<E> e, Gen<F> f, Gen<G> g,
      Fn7<? super A, ? super B, ? super C, ? super D, ? super E, ? super F, ? super G, ? extends R> as) {
    return random -> {
      A va = a.next(random);
      B vb = b.next(random);
      C vc = c.next(random);
      D vd = d.next(random);
      E ve = e.next(random);
      F vf = f.next(random);
      return as.apply(va, vb, vc, vd, ve, vf, g.next(random));
    };
  }

  public static <A, B, C, D, E, F, G, H, R> Gen<R> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d, Gen<E> e, Gen<F> f, Gen<G> g,
      Gen<H> h, Fn8<? super A, ? super B, ? super C, ? super D, ? super E, ? super F, ? super G, ? super H, ? extends R> as) {
    return random -> {
      A va = a.next(random);
      B vb = b.next(random);
      C vc = c.next(random);
      D vd = d.next(random);
      E ve = e.next(random);
      F vf = f.next(random);
      G vg = g.next(random);
      return as.apply(va, vb, vc, vd, ve, vf, vg, h.next(random));
    };
  }

  /** A value of each of {@code gens}, in their order. */
  public static <T> Gen<List<T>> all(List<? extends Gen<? extends T>> gens) {
    List<Gen<? extends T>> copy = List.copyOf(gens);
    return random -> {
      List<T> values = new ArrayList<>(copy.size());
      for (Gen<? extends T> gen : copy) {
        values.add(gen.next(random));
      }
      return values;
    };
  }

  // --- nesting ---

  /**
   * Values nested {@code minDepth} to {@code maxDepth} levels deep (every depth as likely): {@code base}
   * at depth 0, and {@code deeper} applied to the generator of depth {@code n} for depth {@code n + 1}
   * (say, a JSON array or object of values of depth {@code n}). The generator of each depth is made once.
   */
  public static <T> Gen<T> recursive(Gen<T> base, UnaryOperator<Gen<T>> deeper, int minDepth, int maxDepth) {
    checkRange(minDepth, maxDepth);
    List<Gen<T>> byDepth = new ArrayList<>();
    byDepth.add(base);
    for (int depth = 1; depth <= maxDepth; depth++) {
      byDepth.add(deeper.apply(byDepth.get(depth - 1)));
    }
    return random -> byDepth.get(random.nextInt(minDepth, maxDepth + 1)).next(random);
  }

  // --- shared by Gen ---

  /** A size from {@code min} to {@code max}, both included. */
  static int size(SplittableRandom random, int min, int max) {
    return min == max ? min : random.nextInt(min, max + 1);
  }

  static void checkRange(int min, int max) {
    if (min < 0 || min > max) {
      throw new IllegalArgumentException("not a range of sizes: " + min + ".." + max);
    }
  }
}
