package io.drover.hub.auth;

import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Counts attempts under keys (an account, a client address, both) in PostgreSQL, so that every hub
 * node of a cluster counts into the same rows, and holds a key back once it is past its free
 * attempts: the attempt after them waits a second, and each further one twice as long as the one
 * before, up to a maximum (exponential backoff). A count is forgotten after an hour without attempts.
 *
 * <p>An attempt is counted when it is let through, before its password is checked: attempts sent in
 * parallel are counted one after the other (the rows are locked in key order), so they cannot all
 * slip through before the first one's failure is written. A success takes its count back. An attempt
 * that is refused is not counted: the wait it was refused for does not grow, so no one can hold a key
 * back longer than the maximum wait after their last counted attempt.
 *
 * <p>Called on the event loop; every method is one transaction or one statement.
 */
public final class AttemptLimits {

  /** A count, and how many attempts it lets through before each further one must wait. */
  public record Counter(String key, int free) {
  }

  static final Duration FIRST_WAIT = Duration.ofSeconds(1);
  /** A count is forgotten after this long without attempts, or after the longest wait if that is longer. */
  static final Duration FORGET_AFTER = Duration.ofHours(1);
  /** How long an address an account signed in from stays known to it. */
  static final Duration KNOWN_FOR = Duration.ofDays(30);

  private static final String LOCK = """
      SELECT key, attempts, extract(epoch FROM now() - last_at)::float8 FROM login_attempts
      WHERE key = ANY($1) ORDER BY key FOR UPDATE""";
  /** Keys in order, as LOCK took them, so that two attempts sharing keys cannot deadlock. */
  private static final String COUNT = """
      INSERT INTO login_attempts AS a (key, attempts, last_at)
      SELECT k, 1, now() FROM unnest($1::text[]) AS k ORDER BY k
      ON CONFLICT (key) DO UPDATE SET
        attempts = CASE WHEN a.last_at < now() - make_interval(secs => $2) THEN 1 ELSE a.attempts + 1 END,
        last_at = now()""";
  private static final String KNOWN = """
      SELECT 1 FROM login_known_addresses
      WHERE account = $1 AND address = $2 AND last_success_at > now() - make_interval(secs => $3)""";
  private static final String FORGET = "DELETE FROM login_attempts WHERE key = ANY($1)";
  private static final String TAKE_BACK = "UPDATE login_attempts SET attempts = attempts - 1 WHERE key = ANY($1) AND attempts > 0";
  private static final String REMEMBER = """
      INSERT INTO login_known_addresses (account, address, last_success_at) VALUES ($1, $2, now())
      ON CONFLICT (account, address) DO UPDATE SET last_success_at = now()""";

  private final Pool pool;
  private final Duration maxWait;
  private final Duration forgetAfter;

  public AttemptLimits(Pool pool, Duration maxWait) {
    this.pool = pool;
    this.maxWait = maxWait;
    this.forgetAfter = maxWait.compareTo(FORGET_AFTER) > 0 ? maxWait : FORGET_AFTER;
  }

  /**
   * Lets an attempt through when none of the {@code checked} counts must wait, and then counts it
   * under every one of {@code counted}.
   *
   * @return zero when let through; else the whole seconds to wait (at least 1), and nothing counted
   */
  public Future<Long> admit(List<Counter> checked, List<Counter> counted) {
    String[] lockKeys = keys(checked, counted);
    String[] countKeys = keys(counted, List.of());
    return pool.withTransaction(connection -> connection.preparedQuery(LOCK).execute(Tuple.of((Object) lockKeys)).compose(rows -> {
      double longest = 0;
      for (Row row : rows) {
        Counter counter = find(checked, row.getString(0));
        if (counter != null) {
          longest = Math.max(longest, remainingWait(counter.free(), row.getInteger(1), row.getDouble(2)));
        }
      }
      if (longest > 0) {
        return Future.succeededFuture(Math.max(1, (long) Math.ceil(longest)));
      }
      return count(connection, countKeys).map(0L);
    }));
  }

  /** Whether {@code account} was signed in to from {@code address} lately. */
  public Future<Boolean> known(String account, String address) {
    return pool.preparedQuery(KNOWN).execute(Tuple.of(account, address, (double) KNOWN_FOR.toSeconds())).map(rows -> rows.size() > 0);
  }

  /**
   * After a right password: the account's own counts start again, the address's takes this attempt
   * back (but keeps the others: one account of one's own must not clear an address's guesses at
   * others), and the address becomes known to the account.
   */
  public Future<Void> succeeded(String account, String address, List<String> forget, List<String> takeBack) {
    return pool.withTransaction(connection -> connection.preparedQuery(FORGET).execute(Tuple.of((Object) forget.toArray(String[]::new)))
        .compose(forgotten -> connection.preparedQuery(TAKE_BACK).execute(Tuple.of((Object) takeBack.toArray(String[]::new))))
        .compose(takenBack -> connection.preparedQuery(REMEMBER).execute(Tuple.of(account, address)))
        .mapEmpty());
  }

  /** Deletes counts no one will look at again and addresses no longer known; the cluster's leader calls it now and then. */
  public Future<Void> prune() {
    return pool.preparedQuery("DELETE FROM login_attempts WHERE last_at < now() - make_interval(secs => $1)")
        .execute(Tuple.of((double) forgetAfter.toSeconds()))
        .compose(pruned -> pool.preparedQuery("DELETE FROM login_known_addresses WHERE last_success_at < now() - make_interval(secs => $1)")
            .execute(Tuple.of((double) KNOWN_FOR.toSeconds())))
        .mapEmpty();
  }

  /**
   * The key of a client address: an IPv4 address itself, an IPv6 address by its /64 prefix, since one
   * machine commonly holds a whole /64 (RFC 4291 section 2.5.4) and could otherwise count as billions.
   */
  public static String addressOf(SocketAddress remote) {
    String host = remote == null ? null : remote.hostAddress();
    if (host == null || host.isEmpty()) {
      return "unknown";
    }
    try {
      // a literal address: no name lookup happens
      InetAddress address = InetAddress.getByName(host);
      if (address instanceof Inet6Address) {
        byte[] bytes = address.getAddress();
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < 8; i += 2) {
          prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
        }
        return prefix.append(":/64").toString();
      }
      return address.getHostAddress();
    } catch (UnknownHostException e) {
      return host;
    }
  }

  /** Seconds a count of {@code attempts}, the last {@code age} seconds ago, must still wait. */
  private double remainingWait(int free, int attempts, double age) {
    if (age > forgetAfter.toSeconds() || attempts <= free) {
      return 0;
    }
    int doublings = Math.min(attempts - free - 1, 30);
    double wait = Math.min(maxWait.toSeconds(), FIRST_WAIT.toSeconds() * (double) (1L << doublings));
    return wait - age;
  }

  private Future<Void> count(SqlConnection connection, String[] keys) {
    return connection.preparedQuery(COUNT).execute(Tuple.of(keys, (double) forgetAfter.toSeconds())).mapEmpty();
  }

  private static Counter find(List<Counter> counters, String key) {
    for (Counter counter : counters) {
      if (counter.key().equals(key)) {
        return counter;
      }
    }
    return null;
  }

  private static String[] keys(List<Counter> first, List<Counter> second) {
    List<String> keys = new ArrayList<>();
    for (List<Counter> counters : List.of(first, second)) {
      for (Counter counter : counters) {
        if (!keys.contains(counter.key())) {
          keys.add(counter.key());
        }
      }
    }
    keys.sort(Comparator.naturalOrder());
    return keys.toArray(String[]::new);
  }
}
