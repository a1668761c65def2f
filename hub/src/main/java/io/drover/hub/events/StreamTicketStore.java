package io.drover.hub.events;

import io.drover.hub.auth.Principal;
import io.drover.hub.auth.Secrets;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;

/**
 * Stream tickets in PostgreSQL, so that a ticket issued by one hub node opens a stream on any other.
 * Only a ticket's SHA-256 is stored; redeeming deletes the row, so a ticket opens at most one stream,
 * even when two nodes are shown it at once.
 */
final class StreamTicketStore {

  /** How long a ticket may wait to be used: long enough for a page to open its stream, no longer. */
  static final Duration LIFETIME = Duration.ofSeconds(60);
  /** Unused tickets one access token may hold; a page needs one per stream it opens. */
  static final int MAX_UNUSED_PER_TOKEN = 10;

  /** Expired rows of every token go first; the count then sees only live ones. */
  private static final String ISSUE = """
      WITH swept AS (DELETE FROM stream_tickets WHERE expires_at <= now())
      INSERT INTO stream_tickets (ticket_hash, token_id, path, expires_at)
      SELECT $1, $2, $3, now() + make_interval(secs => $4)
      WHERE (SELECT count(*) FROM stream_tickets WHERE token_id = $2 AND expires_at > now()) < $5""";
  /** Spent whatever comes of it: a ticket shown once, on any path, is gone. */
  private static final String REDEEM = """
      WITH spent AS (DELETE FROM stream_tickets WHERE ticket_hash = $1 RETURNING token_id, path, expires_at > now() AS fresh)
      SELECT s.path, s.fresh AND t.revoked_at IS NULL AND t.expires_at > now(),
             t.user_id, u.username, u.is_admin, t.jti, u.kind, u.product_id, t.scope
      FROM spent s JOIN access_tokens t ON t.jti = s.token_id JOIN users u ON u.id = t.user_id""";

  /** What a shown ticket was: the path it names, and the caller it stands for while it is valid. */
  record Redeemed(String path, Principal caller) {
  }

  private final Pool pool;

  StreamTicketStore(Pool pool) {
    this.pool = pool;
  }

  /** @return the new ticket, or null when the token holds {@link #MAX_UNUSED_PER_TOKEN} unused ones already */
  Future<String> issue(String tokenId, String path) {
    String ticket = Secrets.randomHex(32);
    return pool.preparedQuery(ISSUE)
        .execute(Tuple.of(Buffer.buffer(Secrets.sha256(ticket)), tokenId, path, (double) LIFETIME.toSeconds(), MAX_UNUSED_PER_TOKEN))
        .map(inserted -> inserted.rowCount() == 1 ? ticket : null);
  }

  /**
   * Spends the ticket.
   *
   * @return what it was, with a null caller when it had expired or its token had been revoked since;
   *     null when there is no such ticket (never issued, or used already)
   */
  Future<Redeemed> redeem(String ticket) {
    return pool.preparedQuery(REDEEM).execute(Tuple.of(Buffer.buffer(Secrets.sha256(ticket))))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row row = rows.iterator().next();
          Principal caller = row.getBoolean(1)
              ? new Principal(row.getLong(2), row.getString(3), row.getBoolean(4), row.getString(5),
                  Principal.Kind.of(row.getString(6)), row.getInteger(7), row.getString(8))
              : null;
          return new Redeemed(row.getString(0), caller);
        });
  }
}
