package io.drover.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {

  @Test
  void readsBothOptionFormsAndRefusesUnknownOnes() {
    CommandLine args = CommandLine.parse(List.of("--count", "18_000", "--rate=2.5", "--typo", "1"));

    assertEquals(18_000, args.integer("count", 0, 1, 19_000));
    assertEquals(2.5, args.decimal("rate", 0, 0, 10));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, args::requireAllRead);
    assertTrue(unknown.getMessage().contains("--typo"), unknown.getMessage());
  }

  @Test
  void refusesAValueOutOfRange() {
    CommandLine args = CommandLine.parse(List.of("--count", "20000"));

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> args.integer("count", 0, 1, 19_000));
    assertTrue(refused.getMessage().contains("1 to 19000"), refused.getMessage());
  }
}
