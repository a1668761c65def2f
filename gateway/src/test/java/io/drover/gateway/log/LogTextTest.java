package io.drover.gateway.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogTextTest {

  @Test
  void plainTextIsKeptAsItIs() {
    String id = "0a1b2c3d4e5f60718293a4b5";
    assertSame(id, LogText.untrusted(id));
    assertEquals("e/temperature ünïcödé", LogText.untrusted("e/temperature ünïcödé"));
    assertNull(LogText.untrusted(null));
  }

  @Test
  void lineBreaksAndOtherControlCharactersCannotForgeALogLine() {
    String forged = LogText.untrusted("abc\r\n12:00:00.000 INFO  SessionPipeline - admin logged in\u0000\u001b[31m\u0085\u2028\t\u007f");

    assertEquals("abc\\r\\n12:00:00.000 INFO  SessionPipeline - admin logged in\\u0000\\u001b[31m\\u0085\\u2028\\t\\u007f", forged);
    for (char c : forged.toCharArray()) {
      assertFalse(Character.isISOControl(c) || c == '\u2028', "no control character left: " + (int) c);
    }
  }

  @Test
  void aBackslashIsEscapedSoThatAnEscapeInTheLogAlwaysMeansTheCharacter() {
    assertEquals("not a line break: \\\\n", LogText.untrusted("not a line break: \\n"));
  }

  @Test
  void longTextIsCutAndTheCutCounted() {
    String safe = LogText.untrusted("x".repeat(LogText.MAX_LENGTH + 1000));

    assertTrue(safe.startsWith("x".repeat(LogText.MAX_LENGTH) + "...("), safe);
    assertTrue(safe.endsWith("(1000 more)"), safe);
    assertEquals("y".repeat(LogText.MAX_LENGTH), LogText.untrusted("y".repeat(LogText.MAX_LENGTH)));
  }
}
