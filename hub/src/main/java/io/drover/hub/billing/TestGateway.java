package io.drover.hub.billing;

import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;

/**
 * The built-in payment gateway (billing.gateway=test), behaving as payment providers' test modes do:
 * a few documented card numbers decide what happens, and no money moves. Its tokenising endpoint,
 * {@code POST /v1/billing/test_gateway/tokens}, stands where a provider's own would be: the only place
 * the number is sent. It keeps, per token, brand, last four, expiry, the behaviour the number chose and
 * the account that made it: only that account may store the token as its card.
 *
 * <ul>
 *   <li>4242 4242 4242 4242 (Visa), 5555 5555 5555 4444 (MasterCard): every charge succeeds</li>
 *   <li>4000 0000 0000 0002: declined when tokenised (the card is never stored)</li>
 *   <li>4000 0000 0000 0341: tokenised and stored, every charge then fails ("fails later")</li>
 * </ul>
 * Any other number is refused: this gateway charges no real card.
 */
public final class TestGateway implements PaymentGateway, ApiFeature {

  public static final String TOKENIZE_PATH = "/v1/billing/test_gateway/tokens";
  static final String DECLINED_CARD = "4000000000000002";
  private static final Map<String, String> BEHAVIOURS = Map.of(
      "4242424242424242", "succeed",
      "5555555555554444", "succeed",
      "4000000000000341", "fail_charges");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;
  private final AccessCheck access;
  private final Clock clock;

  public TestGateway(Pool pool, AccessCheck access, Clock clock) {
    this.pool = pool;
    this.access = access;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "test";
  }

  @Override
  public String tokenizeUrl() {
    return TOKENIZE_PATH;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post(TOKENIZE_PATH).handler(RequestBodies.handler()).handler(access::requireUser).handler(this::tokenize);
    return Future.succeededFuture();
  }

  /** {@code {number, exp_month, exp_year, cvc}} -> 200 {@code {id, card: {brand, last4, exp_month, exp_year}}}. */
  private void tokenize(RoutingContext ctx) {
    if (AccessCheck.principal(ctx).kind() != io.drover.hub.auth.Principal.Kind.PERSON) {
      throw new ApiException(403, "forbidden", "Cards belong to a person's account, not to an API user or a customer");
    }
    JsonObject body = RequestBodies.fields(ctx);
    String number = body.getValue("number") == null ? null : String.valueOf(body.getValue("number"));
    int month = whole(body.getValue("exp_month"), "exp_month");
    int year = whole(body.getValue("exp_year"), "exp_year");
    String cvc = body.getValue("cvc") == null ? "" : String.valueOf(body.getValue("cvc"));
    String problem = CardCheck.problem(number, month, year, YearMonth.now(clock.withZone(ZoneOffset.UTC)));
    if (problem != null) {
      throw new ApiException(400, "invalid_card", problem);
    }
    if (!cvc.matches("[0-9]{3,4}")) {
      throw new ApiException(400, "invalid_card", "The security code (CVC) must be 3 or 4 digits");
    }
    String digits = CardCheck.digits(number);
    if (DECLINED_CARD.equals(digits)) {
      throw new ApiException(402, "card_declined", "The card was declined");
    }
    String behaviour = BEHAVIOURS.get(digits);
    if (behaviour == null) {
      throw new ApiException(400, "invalid_card", "The test gateway takes only its test card numbers (docs/operations.md, \"Billing\")");
    }
    byte[] random = new byte[16];
    RANDOM.nextBytes(random);
    String token = "tok_test_" + HexFormat.of().formatHex(random);
    String brand = CardCheck.brand(digits);
    String last4 = digits.substring(digits.length() - 4);
    Long account = AccessCheck.principal(ctx).userId();
    if (account == null) {
      throw new ApiException(400, "invalid_request", "The bootstrap admin token belongs to no account, so has no card");
    }
    pool.preparedQuery("INSERT INTO test_gateway_cards (token, brand, last4, exp_month, exp_year, behaviour, owner_id) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .execute(Tuple.of(token, brand, last4, month, year, behaviour, account))
        .onSuccess(done -> ctx.json(new JsonObject().put("id", token).put("card", new JsonObject()
            .put("brand", brand).put("last4", last4).put("exp_month", month).put("exp_year", year))))
        .onFailure(ctx::fail);
  }

  private static int whole(Object value, String field) {
    try {
      return Integer.parseInt(String.valueOf(value).trim());
    } catch (NumberFormatException e) {
      throw new ApiException(400, "invalid_card", field + " must be a whole number");
    }
  }

  @Override
  public Future<Card> describe(String token, long accountId) {
    return find(token).map(row -> {
      // a token made for another account is answered as an unknown one: whether it exists is not told
      if (row == null || row.getLong("owner_id") == null || row.getLong("owner_id") != accountId) {
        throw new GatewayException("unknown_token", "The payment gateway knows no such card token for this account");
      }
      return new Card(token, row.getString("brand"), row.getString("last4"), row.getInteger("exp_month"), row.getInteger("exp_year"));
    });
  }

  @Override
  public Future<Charge> charge(String token, long amountCents, String currency, String idempotencyKey) {
    return find(token).map(row -> {
      if (row == null) {
        return new Charge(Outcome.DECLINED, "The payment gateway knows no such card token", null);
      }
      if (CardCheck.expired(row.getInteger("exp_month"), row.getInteger("exp_year"), YearMonth.now(clock.withZone(ZoneOffset.UTC)))) {
        return new Charge(Outcome.DECLINED, "The card has expired", null);
      }
      if ("fail_charges".equals(row.getString("behaviour"))) {
        return new Charge(Outcome.DECLINED, "The card was declined (test card ending 0341)", null);
      }
      return new Charge(Outcome.SUCCEEDED, "Charged " + amountCents + " " + currency, "ch_test_" + idempotencyKey);
    });
  }

  private Future<Row> find(String token) {
    if (token == null || !token.matches("tok_test_[0-9a-f]{32}")) {
      return Future.succeededFuture(null);
    }
    return pool.preparedQuery("SELECT brand, last4, exp_month, exp_year, behaviour, owner_id FROM test_gateway_cards WHERE token = $1")
        .execute(Tuple.of(token))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }
}
