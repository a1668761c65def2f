package io.drover.hub.sims;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IccidTest {

  /** A 20-digit ICCID printed on SIM documentation examples; its Luhn check digit is 0. */
  private static final String TWENTY = "89014103211118510720";

  @Test
  void twentyAndNineteenDigitIccidsWithTheirCheckDigitAreValid() {
    assertNull(Iccid.problem(TWENTY));
    String nineteen = "894450211234567890";
    String valid19 = nineteen + Iccid.checkDigit(nineteen);
    assertEquals(19, valid19.length());
    assertNull(Iccid.problem(valid19));
    assertEquals(valid19, Iccid.normalize(valid19));
  }

  @Test
  void theSpacesAndDashesOfAPrintedLabelAreDropped() {
    assertEquals(TWENTY, Iccid.normalize("8901 4103 2111 1851 0720"));
    assertEquals(TWENTY, Iccid.normalize("8901-4103-2111-1851-0720"));
  }

  @Test
  void aWrongCheckDigitIsRefusedAsSuch() {
    for (char wrong = '1'; wrong <= '9'; wrong++) {
      String iccid = TWENTY.substring(0, 19) + wrong;
      assertEquals("check_digit", Iccid.problem(iccid), iccid);
      assertNull(Iccid.normalize(iccid));
    }
    // two neighbouring digits swapped: the transcription error Luhn is made to catch
    assertEquals("check_digit", Iccid.problem("89014103211118517020"));
  }

  @Test
  void tooShortOrTooLongIsRefusedForItsLength() {
    String eighteen = "89014103211118510";
    String body = eighteen.substring(0, 17);
    assertEquals("length", Iccid.problem(body + Iccid.checkDigit(body)), "18 digits, check digit right");
    String twentyOneBody = TWENTY;
    assertEquals("length", Iccid.problem(twentyOneBody + Iccid.checkDigit(twentyOneBody)), "21 digits, check digit right");
    assertEquals("length", Iccid.problem("8".repeat(40)));
  }

  @Test
  void anythingButDigitsIsRefused() {
    assertEquals("digits", Iccid.problem("8901410321111851072A"));
    assertEquals("digits", Iccid.problem(""));
    assertEquals("digits", Iccid.problem(null));
    assertEquals("digits", Iccid.problem("89014103211118510720\u0000"));
    assertEquals("digits", Iccid.problem("８９０１４１０３２１１１１８５１０７２０"), "full-width digits are not ASCII digits");
  }

  @Test
  void luhnMatchesTheStandardExample() {
    // ISO/IEC 7812 example: 7992739871 has check digit 3
    assertTrue(Iccid.luhnValid("79927398713"));
    assertFalse(Iccid.luhnValid("79927398710"));
    assertEquals('3', Iccid.checkDigit("7992739871"));
  }
}
