package io.drover.hub.auth;

import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.mail.Mail;
import io.drover.hub.mail.MailOutbox;
import io.drover.hub.mail.MailSettings;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifying a person's email address (their username), which Login with Drover needs before it links
 * the person to a product's customer by that address ({@code ConsentApi}). Drover's own routes:
 *
 * <ul>
 *   <li>{@code GET /v1/user/verify_email}: {@code {email, verified, verified_at}}</li>
 *   <li>{@code POST /v1/user/verify_email}: mails a link to the address (through the {@link MailOutbox}:
 *       the SMTP server, or the node's log), at most {@value #MAX_MAILS_PER_HOUR} an hour</li>
 *   <li>{@code POST /v1/user/verify_email/confirm {token}}: the link's token; no access token needed
 *       (the link may be opened anywhere), the token is the proof</li>
 * </ul>
 *
 * The link is {@code <console.public-url>/verify-email#token=...}: in the fragment, which browsers do
 * not send to the server, so the token stays out of access logs and proxies; the Console's page posts
 * it. A token is 32 random bytes, kept as its SHA-256, and lives {@value #LIFETIME_HOURS} hours.
 */
public final class EmailVerificationApi implements ApiFeature {

  static final int LIFETIME_HOURS = 24;
  static final int MAX_MAILS_PER_HOUR = 5;
  private static final Logger LOG = LoggerFactory.getLogger(EmailVerificationApi.class);

  private static final String STATE = "SELECT username, email_verified_at FROM users WHERE id = $1";
  private static final String RECENT = """
      SELECT count(*) FROM email_verifications WHERE user_id = $1 AND created_at > now() - interval '1 hour'""";
  private static final String INSERT = """
      INSERT INTO email_verifications (token_hash, user_id, email, expires_at) VALUES ($1, $2, $3, now() + make_interval(hours => $4))""";
  /** Spends every token of the person at once, and verifies the address the link was mailed to if it is still the username. */
  private static final String CONFIRM = """
      WITH found AS (
        SELECT v.user_id, v.email FROM email_verifications v
        WHERE v.token_hash = $1 AND v.expires_at > now()),
      spent AS (
        DELETE FROM email_verifications v USING found f WHERE v.user_id = f.user_id)
      UPDATE users u SET email_verified_at = coalesce(u.email_verified_at, now())
      FROM found f WHERE u.id = f.user_id AND u.username = f.email AND u.kind = 'person'
      RETURNING u.username""";

  private final Pool pool;
  private final AccessCheck access;
  private final MailOutbox outbox;
  private final MailSettings settings;

  public EmailVerificationApi(Pool pool, AccessCheck access, MailOutbox outbox, MailSettings settings) {
    this.pool = pool;
    this.access = access;
    this.outbox = outbox;
    this.settings = settings;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get("/v1/user/verify_email").handler(access::requireUser).handler(this::state);
    router.post("/v1/user/verify_email").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::mail);
    router.post("/v1/user/verify_email/confirm").handler(RequestBodies.handler()).handler(this::confirm);
    return Future.succeededFuture();
  }

  /** Whether a person's email address is verified; called by whatever needs it verified. */
  public static Future<Boolean> verified(Pool pool, long userId) {
    return pool.preparedQuery("SELECT email_verified_at IS NOT NULL FROM users WHERE id = $1").execute(Tuple.of(userId))
        .map(rows -> rows.size() == 1 && rows.iterator().next().getBoolean(0));
  }

  private void state(RoutingContext ctx) {
    Principal person = person(ctx);
    pool.preparedQuery(STATE).execute(Tuple.of(person.userId()))
        .onSuccess(rows -> {
          Row row = rows.iterator().next();
          ctx.json(new JsonObject().put("ok", true).put("email", row.getString(0)).put("verified", row.getValue(1) != null)
              .put("verified_at", row.getOffsetDateTime(1) == null ? null : row.getOffsetDateTime(1).toInstant().toString()));
        })
        .onFailure(ctx::fail);
  }

  private void mail(RoutingContext ctx) {
    Principal person = person(ctx);
    pool.preparedQuery(STATE).execute(Tuple.of(person.userId())).compose(rows -> {
      Row row = rows.iterator().next();
      String email = row.getString(0);
      if (row.getValue(1) != null) {
        return Future.succeededFuture(new JsonObject().put("ok", true).put("email", email).put("verified", true).put("sent", false));
      }
      return pool.preparedQuery(RECENT).execute(Tuple.of(person.userId())).compose(recent -> {
        if (recent.iterator().next().getLong(0) >= MAX_MAILS_PER_HOUR) {
          return Future.failedFuture(new ApiException(429, "too_many_requests",
              "At most " + MAX_MAILS_PER_HOUR + " verification mails an hour; use the last link you were sent"));
        }
        String token = Secrets.randomHex(32);
        return pool.preparedQuery(INSERT).execute(Tuple.of(Buffer.buffer(Secrets.sha256(token)), person.userId(), email, LIFETIME_HOURS))
            .compose(inserted -> outbox.send(verificationMail(email, token))
                .recover(failed -> Future.failedFuture(new ApiException(503, "mail_unavailable",
                    "The node could not send the mail now; try again later"))))
            .map(sent -> new JsonObject().put("ok", true).put("email", email).put("verified", false).put("sent", true)
                .put("expires_in", LIFETIME_HOURS * 3600));
      });
    }).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void confirm(RoutingContext ctx) {
    Object given = RequestBodies.fields(ctx).getValue("token");
    String token = given instanceof String s ? s.trim() : null;
    if (token == null || !token.matches("^[0-9a-f]{64}$")) {
      throw new ApiException(400, "invalid_request", "token must be the 64 hexadecimal digits of a verification link");
    }
    pool.preparedQuery(CONFIRM).execute(Tuple.of(Buffer.buffer(Secrets.sha256(token)))).onSuccess(rows -> {
      if (rows.size() == 0) {
        ctx.fail(new ApiException(400, "invalid_token", "This verification link is unknown, used or expired: ask for a new one"));
        return;
      }
      String email = rows.iterator().next().getString(0);
      LOG.info("email address verified [username: {}]", email);
      ctx.json(new JsonObject().put("ok", true).put("email", email).put("verified", true));
    }).onFailure(ctx::fail);
  }

  private Mail verificationMail(String email, String token) {
    String link = settings.link("/verify-email#token=" + token);
    return new Mail(email, "Verify your email address for Drover",
        "Open this link to verify that " + email + " is your address on Drover:\n\n" + link + "\n\n"
            + "The link works once, for " + LIFETIME_HOURS + " hours. If you did not ask for it, ignore this mail.\n", link);
  }

  /** A person with an account: a customer's, an API user's or the bootstrap admin token has no address to verify here. */
  private static Principal person(RoutingContext ctx) {
    Principal principal = AccessCheck.principal(ctx);
    if (principal.userId() == null || principal.kind() != Principal.Kind.PERSON) {
      throw new ApiException(403, "forbidden", "Only a person's account has an email address to verify here");
    }
    return principal;
  }
}
