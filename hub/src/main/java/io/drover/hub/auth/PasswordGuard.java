package io.drover.hub.auth;

import io.drover.hub.auth.AttemptLimits.Counter;
import io.drover.hub.http.ApiException;
import io.micrometer.core.instrument.Counter.Builder;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every password the node hashes or checks goes through here: sign-ins (people's and customers'),
 * sign-ups and customer creations are limited per account and per client address
 * ({@link AttemptLimits}), and all of them wait in the bounded {@link PasswordHashing} queue.
 *
 * <p>A sign-in counts under three keys: the account, the client address, and the two together. The
 * account's own count is not checked for an address the account signed in from in the last 30 days:
 * a guesser elsewhere then holds the account back everywhere but where its owner signs in, so guessing
 * cannot lock the owner out. That address is still held back by the pair's count, with the same
 * allowance as the account's. The accounts are named as typed, so that a name without an account is
 * limited exactly like one with (the answers must not tell them apart).
 *
 * <p>Counted in {@code drover_auth_attempts_total{action, outcome}}: success, failure (a wrong
 * password; for a creation, never), throttled (429) and busy (503).
 */
public final class PasswordGuard {

  /** What a password is hashed or checked for; the metric's {@code action}. */
  public enum Action {
    LOGIN, CUSTOMER_LOGIN, SIGNUP, CUSTOMER_SIGNUP;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private enum Outcome {
    SUCCESS, FAILURE, THROTTLED, BUSY
  }

  private static final Logger LOG = LoggerFactory.getLogger(PasswordGuard.class);

  /** The name a person's password attempts are counted under (the username as stored: trimmed, lower case). */
  public static String personAccount(String username) {
    return "person:" + username;
  }

  /** The name a product customer's password attempts are counted under: a customer is not the person of the same email. */
  public static String customerAccount(int productId, String email) {
    return "customer:" + productId + ":" + email;
  }

  private final PasswordHashing hashing;
  private final AttemptLimits limits;
  private final AccountSettings settings;
  private final Map<Action, Map<Outcome, io.micrometer.core.instrument.Counter>> attempts = new EnumMap<>(Action.class);

  public PasswordGuard(PasswordHashing hashing, AttemptLimits limits, AccountSettings settings, MeterRegistry registry) {
    this.hashing = hashing;
    this.limits = limits;
    this.settings = settings;
    for (Action action : Action.values()) {
      Map<Outcome, io.micrometer.core.instrument.Counter> byOutcome = new EnumMap<>(Outcome.class);
      for (Outcome outcome : Outcome.values()) {
        Builder builder = io.micrometer.core.instrument.Counter.builder("drover.auth.attempts")
            .description("Password sign-ins, sign-ups and customer creations, by outcome")
            .tag("action", action.tag())
            .tag("outcome", outcome.name().toLowerCase(Locale.ROOT));
        byOutcome.put(outcome, builder.register(registry));
      }
      attempts.put(action, byOutcome);
    }
    registry.gauge("drover.password.hashing.taken", hashing, PasswordHashing::taken);
  }

  /**
   * Checks a password under the limits.
   *
   * @param account the account as typed, with its kind ({@code person:EMAIL}, {@code customer:PRODUCT:EMAIL})
   * @param address the client's, as {@link AttemptLimits#addressOf} makes it
   * @param check the blocking check, run on the hashing pool
   * @return whether the password was right; a failed future with 429 (Retry-After) or 503
   */
  public Future<Boolean> logIn(Action action, String account, String address, Callable<Boolean> check) {
    Counter perAddress = new Counter("login-address:" + address, settings.loginFailuresPerAddress());
    Counter perAccount = new Counter("login-account:" + account, settings.loginFailuresPerAccount());
    Counter perPair = new Counter("login-pair:" + account + "|" + address, settings.loginFailuresPerAccount());
    List<Counter> counted = List.of(perAddress, perAccount, perPair);
    Future<Boolean> checked = hashing.withPlace(() -> limits.known(account, address)
        .compose(known -> limits.admit(known ? List.of(perAddress, perPair) : counted, counted))
        .compose(wait -> wait > 0
            ? Future.failedFuture(tooMany(wait))
            : hashing.run(check).compose(right -> !right ? Future.succeededFuture(false)
                : limits.succeeded(account, address, List.of(perAccount.key(), perPair.key()), List.of(perAddress.key()))
                    // the password was right: bookkeeping that failed must not turn that into a refusal
                    .recover(cause -> {
                      LOG.warn("sign-in counts not updated after a right password [cause: {}]", cause.getMessage());
                      return Future.succeededFuture();
                    })
                    .map(true))));
    return checked.andThen(done -> count(action, done.succeeded() ? (done.result() ? Outcome.SUCCESS : Outcome.FAILURE) : outcomeOf(done.cause())));
  }

  /**
   * Hashes a new account's password under the limits on making accounts: per client address (sign-ups
   * and customer creations together) and per account name.
   *
   * @return the hash; a failed future with 429 (Retry-After) or 503
   */
  public Future<String> create(Action action, String account, String address, Callable<String> hash) {
    List<Counter> counted = List.of(
        new Counter("create-address:" + address, settings.signupsPerAddress()),
        new Counter("create-account:" + account, settings.loginFailuresPerAccount()));
    Future<String> hashed = hashing.withPlace(() -> limits.admit(counted, counted)
        .compose(wait -> wait > 0 ? Future.failedFuture(tooMany(wait)) : hashing.run(hash)));
    return hashed.andThen(done -> count(action, done.succeeded() ? Outcome.SUCCESS : outcomeOf(done.cause())));
  }

  /** Hashes a password an administrator or a product's team sets: no limits, but the bounded queue. */
  public Future<String> hash(Callable<String> hash) {
    return hashing.withPlace(() -> hashing.run(hash));
  }

  private void count(Action action, Outcome outcome) {
    if (outcome != null) {
      attempts.get(action).get(outcome).increment();
    }
  }

  /** @return null for a failure that is none of the guard's (the database, say) */
  private static Outcome outcomeOf(Throwable failure) {
    if (PasswordHashing.refusedBusy(failure)) {
      return Outcome.BUSY;
    }
    return failure instanceof ApiException api && api.status() == 429 ? Outcome.THROTTLED : null;
  }

  private static ApiException tooMany(long seconds) {
    return new ApiException(429, "too_many_attempts", "Too many attempts; try again in " + seconds + " s", seconds);
  }
}
