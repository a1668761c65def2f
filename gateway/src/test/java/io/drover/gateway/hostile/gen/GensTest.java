package io.drover.gateway.hostile.gen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The generators the hostile-input suite draws its cases from: repeatable, within their bounds, in their proportions. */
class GensTest {

  private static final int DRAWS = 20_000;

  /** A generator that uses every kind there is, so that a seed must decide all of them. */
  private static final Gen<String> EVERYTHING = Gens.combine(
      Gens.frequency(Gens.weight(1, Gens.ints(-5, 5)), Gens.weight(2, Gens.ints())),
      Gens.bytes(0, 40).map(bytes -> new String(bytes, StandardCharsets.ISO_8859_1)),
      Gens.strings(0, 30),
      Gens.choose(Gens.constant("x"), Gens.oneOf("a", "b", "c"), Gens.strings(Gens.ALPHA, 1, 5)).list(0, 4),
      Gens.longs(Long.MIN_VALUE, Long.MAX_VALUE),
      Gens.doubles(0, 1),
      Gens.ints(0, 3).flatMap(n -> Gens.strings("xyz", n, n)),
      Gens.recursive(Gens.constant("1"), inner -> inner.list(0, 3).map(List::toString), 0, 3),
      (a, b, c, d, e, f, g, h) -> a + "|" + b + "|" + c + "|" + d + "|" + e + "|" + f + "|" + g + "|" + h);

  @Test
  void theSameSeedDrawsTheSameValues() {
    for (long seed : new long[] {0, 20261206, -728425129975624235L}) {
      assertEquals(draw(EVERYTHING, seed, 200), draw(EVERYTHING, seed, 200), "seed " + seed);
    }
    assertNotEquals(draw(EVERYTHING, 1, 50), draw(EVERYTHING, 2, 50), "two seeds, one sequence of values");
  }

  @Test
  void numbersStayInTheirRangesAndReachBothEnds() {
    assertReachesExactly(Gens.ints(-2, 3), Set.of(-2, -1, 0, 1, 2, 3));
    assertReachesExactly(Gens.ints(7, 7), Set.of(7));
    assertReachesExactly(Gens.ints(Integer.MAX_VALUE - 1, Integer.MAX_VALUE), Set.of(Integer.MAX_VALUE - 1, Integer.MAX_VALUE));
    assertReachesExactly(Gens.ints(Integer.MIN_VALUE, Integer.MIN_VALUE + 1), Set.of(Integer.MIN_VALUE, Integer.MIN_VALUE + 1));
    assertReachesExactly(Gens.longs(Long.MAX_VALUE - 2, Long.MAX_VALUE), Set.of(Long.MAX_VALUE - 2, Long.MAX_VALUE - 1, Long.MAX_VALUE));
    assertReachesExactly(Gens.longs(-1, 1), Set.of(-1L, 0L, 1L));
    SplittableRandom random = new SplittableRandom(3);
    Gen<Double> doubles = Gens.doubles(0.25, 0.5);
    for (int i = 0; i < DRAWS; i++) {
      double value = doubles.next(random);
      assertTrue(value >= 0.25 && value < 0.5, "in [0.25, 0.5): " + value);
    }
    assertThrows(IllegalArgumentException.class, () -> Gens.ints(2, 1));
    assertThrows(IllegalArgumentException.class, () -> Gens.longs(2, 1));
    assertThrows(IllegalArgumentException.class, () -> Gens.doubles(1, 1));
  }

  @Test
  void sizesStayInTheirBoundsAndReachBothEnds() {
    assertReachesExactly(Gens.bytes(2, 5).map(bytes -> bytes.length), Set.of(2, 3, 4, 5));
    assertReachesExactly(Gens.bytes(32, 32).map(bytes -> bytes.length), Set.of(32));
    assertReachesExactly(Gens.strings(0, 3).map(String::length), Set.of(0, 1, 2, 3));
    assertReachesExactly(Gens.strings(Gens.ALPHANUMERIC, 1, 4).map(String::length), Set.of(1, 2, 3, 4));
    assertReachesExactly(Gens.constant('q').list(1, 3).map(List::size), Set.of(1, 2, 3));
    assertReachesExactly(Gens.ints(0, 100).set(0, 2).map(Set::size), Set.of(0, 1, 2));
    assertThrows(IllegalArgumentException.class, () -> Gens.bytes(3, 2));
    assertThrows(IllegalArgumentException.class, () -> Gens.constant(1).list(-1, 2));
  }

  @Test
  void bytesAndCharactersCoverTheirAlphabet() {
    assertReachesExactly(Gens.bytes(1, 1).map(bytes -> bytes[0]), allBytes());
    assertReachesExactly(Gens.strings("ab9", 1, 1), Set.of("a", "b", "9"));
    Set<Character> alpha = new HashSet<>();
    Gens.ALPHA.chars().forEach(c -> alpha.add((char) c));
    assertReachesExactly(Gens.strings(Gens.ALPHA, 1, 1).map(s -> s.charAt(0)), alpha);
  }

  @Test
  void aByteArrayIsFilledFromTheSeed() {
    byte[] first = Gens.bytes(16, 16).next(new SplittableRandom(42));
    assertArrayEquals(first, Gens.bytes(16, 16).next(new SplittableRandom(42)));
    assertTrue(IntStream.range(0, 16).map(i -> first[i]).distinct().count() > 8, "random bytes, not a pattern");
  }

  @Test
  void anyCharacterIsNoSurrogateAndEveryKindComes() {
    SplittableRandom random = new SplittableRandom(5);
    Map<String, Integer> kinds = new TreeMap<>();
    Gen<String> chars = Gens.strings(1, 1);
    for (int i = 0; i < DRAWS; i++) {
      char c = chars.next(random).charAt(0);
      assertTrue(!Character.isSurrogate(c), "a lone surrogate: " + (int) c);
      String kind = c < 0x20 || c == 0x7f ? "control" : c < 0x7f ? "ascii" : c < 0x800 ? "two bytes" : "three bytes";
      kinds.merge(kind, 1, Integer::sum);
    }
    assertRoughly(kinds.get("three bytes"), DRAWS / 2, "BMP characters");
    assertRoughly(kinds.get("ascii"), DRAWS / 4, "printable ASCII");
    assertRoughly(kinds.get("control"), DRAWS / 8, "control characters");
    assertRoughly(kinds.get("two bytes"), DRAWS / 8, "U+0080..U+07FF");
  }

  @Test
  void weightsAndChoicesAreRoughlyHonoured() {
    Map<String, Integer> weighted = count(Gens.frequency(Gens.weight(1, Gens.constant("one")), Gens.weight(3, Gens.constant("three")),
        Gens.weight(12, Gens.constant("twelve"))));
    assertRoughly(weighted.get("one"), DRAWS / 16, "weight 1 of 16");
    assertRoughly(weighted.get("three"), DRAWS * 3 / 16, "weight 3 of 16");
    assertRoughly(weighted.get("twelve"), DRAWS * 12 / 16, "weight 12 of 16");
    Map<String, Integer> even = count(Gens.oneOf("a", "b", "c", "d"));
    even.values().forEach(n -> assertRoughly(n, DRAWS / 4, "one of four values"));
    Map<String, Integer> generators = count(Gens.choose(Gens.constant("x"), Gens.strings("y", 1, 1)));
    generators.values().forEach(n -> assertRoughly(n, DRAWS / 2, "one of two generators"));
    assertThrows(IllegalArgumentException.class, () -> Gens.weight(0, Gens.constant("never")));
  }

  @Test
  void combineDrawsEachGeneratorInOrder() {
    Gen<List<Integer>> pairs = Gens.combine(Gens.ints(0, 9), Gens.ints(100, 109), List::of);
    SplittableRandom random = new SplittableRandom(11);
    SplittableRandom same = new SplittableRandom(11);
    for (int i = 0; i < 100; i++) {
      List<Integer> pair = pairs.next(random);
      assertEquals(List.of(same.nextInt(0, 10), same.nextInt(100, 110)), pair);
    }
    assertEquals(List.of(1, "two", 3.0), Gens.all(List.of(Gens.constant(1), Gens.constant("two"), Gens.constant(3.0))).next(random));
  }

  @Test
  void uniqueListsHoldNoTwoValuesOfOneKey() {
    Gen<List<Integer>> unique = Gens.ints(0, 9).uniqueList(0, 4, n -> n % 3);
    SplittableRandom random = new SplittableRandom(13);
    Set<Integer> sizes = new HashSet<>();
    for (int i = 0; i < DRAWS; i++) {
      List<Integer> list = unique.next(random);
      assertEquals(list.size(), list.stream().map(n -> n % 3).distinct().count(), "keys repeated: " + list);
      sizes.add(list.size());
    }
    assertEquals(Set.of(0, 1, 2, 3), sizes, "four places, three keys: at most three");
    Gen<List<Integer>> impossible = Gens.constant(1).uniqueList(2, 2, n -> n);
    assertThrows(IllegalStateException.class, () -> impossible.next(new SplittableRandom(1)));
  }

  @Test
  void recursionStaysWithinItsDepthAndReachesEveryDepth() {
    Gen<String> nested = Gens.recursive(Gens.constant("1"), inner -> inner.list(1, 2).map(items -> "[" + String.join(",", items) + "]"), 0, 4);
    assertReachesExactly(nested.map(GensTest::depth), Set.of(0, 1, 2, 3, 4));
    Gen<String> atLeastTwo = Gens.recursive(Gens.constant("1"), inner -> inner.list(1, 1).map(items -> "[" + items.get(0) + "]"), 2, 3);
    assertReachesExactly(atLeastTwo.map(GensTest::depth), Set.of(2, 3));
  }

  private static int depth(String json) {
    int depth = 0;
    int deepest = 0;
    for (char c : json.toCharArray()) {
      depth += c == '[' ? 1 : c == ']' ? -1 : 0;
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  }

  private static List<String> draw(Gen<String> gen, long seed, int n) {
    SplittableRandom random = new SplittableRandom(seed);
    return IntStream.range(0, n).mapToObj(i -> gen.next(random)).toList();
  }

  /** Over many draws, {@code gen} gives every one of {@code expected} and nothing else. */
  private static <T> void assertReachesExactly(Gen<T> gen, Set<T> expected) {
    SplittableRandom random = new SplittableRandom(7);
    Set<T> seen = new HashSet<>();
    for (int i = 0; i < DRAWS; i++) {
      seen.add(gen.next(random));
    }
    assertEquals(expected, seen);
  }

  private static Map<String, Integer> count(Gen<String> gen) {
    SplittableRandom random = new SplittableRandom(9);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < DRAWS; i++) {
      counts.merge(gen.next(random), 1, Integer::sum);
    }
    return counts;
  }

  /** Within a tenth of what is expected: with 20,000 draws, more than three standard deviations for the rarest case here. */
  private static void assertRoughly(int actual, int expected, String what) {
    assertTrue(Math.abs(actual - expected) <= expected / 10, what + ": " + actual + ", expected about " + expected);
  }

  private static Set<Byte> allBytes() {
    Set<Byte> all = new HashSet<>();
    for (int b = -128; b < 128; b++) {
      all.add((byte) b);
    }
    return all;
  }
}
