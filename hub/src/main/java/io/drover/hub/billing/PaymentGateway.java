package io.drover.hub.billing;

import io.vertx.core.Future;

/**
 * Where money is taken: the node never sees a card number. The Console sends the number to the
 * gateway's own tokenising endpoint ({@link #tokenizeUrl}), gets a token, and hands the node only the
 * token; the node asks the gateway what the token stands for ({@link #describe}) and keeps brand, last
 * four digits, expiry and the token. A real provider's adapter implements this; {@link TestGateway} is
 * the built-in one for tests and trials.
 */
public interface PaymentGateway {

  /** The gateway's name as the API shows it ({@code test}). */
  String name();

  /** Where the Console posts the card number to be tokenised. */
  String tokenizeUrl();

  /**
   * What a token stands for, for the account that wants to store it; fails with a
   * {@link GatewayException} when the gateway does not know it (a forged token) or made it for another
   * account (a token learned from someone else: tokens are bound to the account that made them, as a
   * provider's customer object binds its payment methods).
   */
  Future<Card> describe(String token, long accountId);

  /**
   * Charges a card. Never fails for a refused payment: that is an outcome; a failed future means the
   * gateway could not be asked (counted as a failed attempt too).
   *
   * @param idempotencyKey the same for a retried request of one attempt, so a timeout never charges twice
   */
  Future<Charge> charge(String token, long amountCents, String currency, String idempotencyKey);

  /** A card as the gateway describes it. */
  record Card(String token, String brand, String last4, int expMonth, int expYear) {
  }

  /** The answer to a charge. */
  record Charge(Outcome outcome, String message, String reference) {
  }

  enum Outcome {
    SUCCEEDED("succeeded"), DECLINED("declined"), FAILED("failed");

    private final String wireName;

    Outcome(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  /** The gateway refused a request that is the caller's to fix (an unknown token, a declined card). */
  final class GatewayException extends RuntimeException {
    private final String code;

    public GatewayException(String code, String message) {
      super(message);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }
}
