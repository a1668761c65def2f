package io.drover.hub.launcher;

import io.drover.hub.auth.AccountRepository;
import io.drover.hub.auth.Passwords;
import io.drover.hub.http.ApiException;
import io.drover.hub.storage.Database;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code drover admin create --username EMAIL [node options]}: the operator's way to an administrator,
 * working on the node's database itself (the same options as the node find it). Makes the account,
 * asking for its password, or makes an existing account an administrator. The first administrator it
 * makes is the node's first; it also makes more, which is how an operator gets back in when the only
 * administrator's password is lost. Signing up never makes an administrator.
 */
final class AdminCommand {

  static final String NAME = "admin";
  private static final long STEP_SECONDS = 30;

  /** Where the new account's password comes from: the terminal, or standard input in a script. */
  interface PasswordSource {
    String read();
  }

  private AdminCommand() {
  }

  static String usage() {
    return """
        Usage: drover admin create --username EMAIL [--config FILE] [--data-dir=DIR] [--database.url=URL] [...]

        Makes EMAIL an administrator of the node whose database the options name (the node's own
        options: its config file, data directory or database.url). A new account's password is asked
        for on the terminal, twice, or read from the first line of standard input; an existing
        account keeps its password and becomes an administrator.
        With the embedded database, stop the node first: its PostgreSQL runs inside the node. With an
        external one (database.url), run it at any time, from any machine that reaches the database.
        A running node also takes POST /v1/admin/users with the bootstrap admin token (docs/operations.md).
        """;
  }

  /**
   * @return what was done, also printed to {@code out}
   * @throws ConfigException for bad arguments or a refused password; the message says which
   * @throws IllegalStateException when the database cannot be opened or written
   */
  static String run(List<String> args, Map<String, String> environment, PasswordSource passwords, PrintStream out) {
    if (args.isEmpty() || args.contains("--help") || args.contains("-h")) {
      out.print(usage());
      return "";
    }
    if (!args.get(0).equals("create")) {
      throw new ConfigException("admin: unknown command '" + args.get(0) + "'\n" + usage());
    }
    String username = null;
    List<String> nodeOptions = new ArrayList<>();
    for (int i = 1; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.startsWith("--username=")) {
        username = arg.substring("--username=".length());
      } else if (arg.equals("--username") && i + 1 < args.size()) {
        username = args.get(++i);
      } else {
        nodeOptions.add(arg);
      }
    }
    if (username == null) {
      throw new ConfigException("admin create needs --username\n" + usage());
    }
    String normalized = username.trim().toLowerCase(Locale.ROOT);
    NodeConfig config = NodeConfig.from(ConfigSources.read(nodeOptions, environment));
    Database database;
    try {
      database = Database.open(config.database());
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot open the node's database (" + e.getMessage() + ")"
          + (config.database().embedded() ? ". The embedded database runs inside the node: stop the node first, "
          + "or use POST /v1/admin/users with the bootstrap admin token while it runs" : ""), e);
    }
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().connectingTo(database.connectOptions()).using(vertx).build();
    try {
      AccountRepository accounts = new AccountRepository(pool);
      String done;
      if (await(accounts.exists(normalized))) {
        AccountRepository.Account account = await(accounts.setAdmin(normalized, true, AccountRepository.Maker.ADMINISTRATOR));
        done = normalized + " is an administrator now" + (account.first() ? " (the node's first administrator)" : "");
      } else {
        String password = passwords.read();
        String problem = Passwords.problemWith(password);
        if (problem != null) {
          throw new ConfigException("admin create: " + problem);
        }
        AccountRepository.Account account = await(accounts.create(normalized, Passwords.hash(password), true,
            AccountRepository.Maker.ADMINISTRATOR));
        done = "administrator created: " + normalized + (account.first() ? " (the node's first administrator)" : "");
      }
      out.println(done);
      return done;
    } catch (ApiException e) {
      throw new IllegalStateException(e.getMessage(), e);
    } finally {
      await(pool.close());
      await(vertx.close());
      database.close();
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(STEP_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the database did not answer within " + STEP_SECONDS + " s", e);
    }
  }
}
