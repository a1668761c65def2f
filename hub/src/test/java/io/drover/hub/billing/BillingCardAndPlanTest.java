package io.drover.hub.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;

/** The card checks made before a number is sent, and the plan arithmetic billing rests on. */
class BillingCardAndPlanTest {

  @Test
  void luhnTakesTheTestCardsAndRefusesAChangedDigit() {
    assertTrue(CardCheck.luhn("4242424242424242"));
    assertTrue(CardCheck.luhn("4000000000000341"));
    assertTrue(CardCheck.luhn("5555555555554444"));
    assertFalse(CardCheck.luhn("4242424242424241"));
    assertFalse(CardCheck.luhn("5555555555554445"));
  }

  @Test
  void aCardIsValidThroughItsExpiryMonth() {
    YearMonth now = YearMonth.of(2026, 12);
    assertNull(CardCheck.problem("4242 4242 4242 4242", 12, 2026, now));
    assertEquals("The card expired at the end of 2026-11", CardCheck.problem("4242424242424242", 11, 2026, now));
    assertEquals("The card number must be 12 to 19 digits", CardCheck.problem("4242", 12, 2030, now));
    assertEquals("The card number must be 12 to 19 digits", CardCheck.problem("4242x4242x4242x4242", 12, 2030, now));
  }

  @Test
  void brandsFollowTheIssuerPrefix() {
    assertEquals("Visa", CardCheck.brand("4242424242424242"));
    assertEquals("MasterCard", CardCheck.brand("5555555555554444"));
    assertEquals("MasterCard", CardCheck.brand("2223003122003222"));
    assertEquals("American Express", CardCheck.brand("378282246310005"));
  }

  @Test
  void periodsCountFromTheAnchorSoTheyDoNotDrift() {
    Instant anchor = Instant.parse("2026-01-31T10:00:00Z");
    assertEquals(Instant.parse("2026-02-28T10:00:00Z"), Plan.Period.MONTHLY.end(anchor, 0));
    assertEquals(Instant.parse("2026-03-31T10:00:00Z"), Plan.Period.MONTHLY.end(anchor, 1), "back on the 31st, not the 28th");
    assertEquals(Instant.parse("2027-01-31T10:00:00Z"), Plan.Period.YEARLY.end(anchor, 0));
  }

  @Test
  void prorationIsThePriceForTheTimeLeftRoundedToTheCent() {
    assertEquals(12_450, Billing.prorate(24_900, 15, 30));
    assertEquals(0, Billing.prorate(24_900, 0, 30));
    assertEquals(24_900, Billing.prorate(24_900, 30, 30));
    assertEquals(8_300, Billing.prorate(24_900, 10, 30));
  }

  @Test
  void aSelfServicePlanPastTheLimitIsAConfigurationError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("plans.json");
    java.nio.file.Files.writeString(file, "{\"plans\":[{\"name\":\"free\",\"device_limit\":10,\"included_events\":0,\"price_cents\":0},"
        + "{\"name\":\"big\",\"device_limit\":251,\"included_events\":0,\"price_cents\":100}]}");
    IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> BillingSettings.readPlans(file));
    assertEquals("billing.plans-file plan big: a self-service plan covers at most 250 devices; make it \"self_service\": false", refused.getMessage());
    java.nio.file.Files.writeString(file, "{\"plans\":[{\"name\":\"growth\",\"device_limit\":10,\"included_events\":0,\"price_cents\":0}]}");
    assertEquals("billing.plans-file must have a plan named free: every product starts on it",
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> BillingSettings.readPlans(file)).getMessage());
  }
}
