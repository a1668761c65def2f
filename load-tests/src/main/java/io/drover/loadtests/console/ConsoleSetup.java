package io.drover.loadtests.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Makes what the Gatling console simulation needs on a fresh node, through the API only, the way an
 * operator and its users would:
 *
 * <ol>
 *   <li>the bootstrap admin token makes the node's first administrator, which makes the other fleet
 *       managers (administrators too, so that they see the product's devices without team seats);
 *   <li>the first administrator creates a product, puts it on the enterprise plan (up to 10,000
 *       devices) and imports {@code productDevices} registered devices into it (an administrator's
 *       import needs no claim code), for the device list's paging;
 *   <li>the bootstrap token makes {@code users} ordinary accounts, each with a random password; each
 *       account logs in and gets a claim code for each of its {@code devicesPerUser} devices, which
 *       are registered now: the swarm's devices report those codes once connected
 *       (device-protocol.md section 4.1.1), and so are claimed by their accounts as Particle's set-up
 *       claims them.
 * </ol>
 *
 * It writes into {@code out}: {@code users.csv} and {@code managers.csv} (the feeders:
 * {@code username,password}, managers with {@code product}), {@code devices.txt} ({@code id secret
 * claim-code}, for the swarm) and {@code tokens.txt} (each account's set-up token, for
 * {@link #awaitClaimed}). The files hold passwords: they are readable by their owner only, in a
 * directory the caller removes.
 */
public final class ConsoleSetup {

  private static final SecureRandom RANDOM = new SecureRandom();
  /** Argon; the product's device type: the imported devices are registered as this platform. */
  static final int PLATFORM_ID = 12;
  /** The product's billing plan: the largest of the default plans, which only a node administrator sets. */
  static final String FLEET_PLAN = "enterprise";
  public static final int MAX_PRODUCT_DEVICES = 10_000;

  private final NodeApi api;
  private final String bootstrapToken;
  private final int concurrency;

  /** What the set-up made. */
  public record Result(int users, int userDevices, int managers, String product, int productDevices, double seconds) {
    public JsonObject toJson() {
      return new JsonObject().put("users", users).put("userDevices", userDevices).put("managers", managers)
          .put("product", product).put("productDevices", productDevices).put("seconds", seconds);
    }
  }

  public ConsoleSetup(String host, int port, String bootstrapToken, int concurrency) {
    this.api = new NodeApi(host, port);
    this.bootstrapToken = bootstrapToken;
    this.concurrency = concurrency;
  }

  public Result run(int users, int devicesPerUser, int managers, int productDevices, Path out) {
    long start = System.nanoTime();
    String run = HexFormat.of().formatHex(randomBytes(4));
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      List<String[]> managerAccounts = new ArrayList<>();
      String[] first = {"manager-0-" + run + "@example.com", password()};
      api.post("/v1/admin/users", bootstrapToken, account(first, true), 201);
      String adminToken = api.logIn(first[0], first[1]);
      managerAccounts.add(first);
      managerAccounts.addAll(inParallel(pool, managers - 1, i -> {
        String[] manager = {"manager-" + (i + 1) + "-" + run + "@example.com", password()};
        api.post("/v1/admin/users", adminToken, account(manager, true), 201);
        return manager;
      }));

      JsonObject product = api.post("/v1/products", adminToken,
          new JsonObject().put("name", "Gatling fleet " + run).put("platform_id", PLATFORM_ID), 201).getJsonObject("product");
      String slug = product.getString("slug");
      // the free plan holds 100 devices; a node administrator may put a product on the enterprise plan (10,000)
      api.put("/v1/products/" + slug + "/billing", adminToken, new JsonObject().put("plan", FLEET_PLAN), 200);
      List<String> fleet = inParallel(pool, productDevices, i -> register(adminToken).getString("id"));
      for (int from = 0; from < fleet.size(); from += 10_000) {
        JsonObject imported = api.post("/v1/products/" + slug + "/devices", adminToken,
            new JsonObject().put("ids", new JsonArray(fleet.subList(from, Math.min(fleet.size(), from + 10_000)))), 200);
        int added = imported.getJsonArray("updatedDeviceIds", new JsonArray()).size();
        if (added != Math.min(fleet.size(), from + 10_000) - from) {
          throw new IllegalStateException("the product import added " + added + " devices: " + imported.encode());
        }
      }

      List<String[]> people = inParallel(pool, users, i -> {
        String[] person = {"user-" + i + "-" + run + "@example.com", password()};
        api.post("/v1/admin/users", bootstrapToken, account(person, false), 201);
        String token = api.logIn(person[0], person[1]);
        StringBuilder devices = new StringBuilder();
        for (int d = 0; d < devicesPerUser; d++) {
          JsonObject device = register(bootstrapToken);
          String code = api.post("/v1/device_claims", token, new JsonObject(), 200).getString("claim_code");
          devices.append(device.getString("id")).append(' ').append(device.getString("secret")).append(' ').append(code).append('\n');
        }
        return new String[] {person[0], person[1], token, devices.toString()};
      });

      try {
        Files.createDirectories(out);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot make " + out, e);
      }
      writePrivate(out.resolve("users.csv"), "username,password\n", people, p -> p[0] + "," + p[1] + "\n");
      writePrivate(out.resolve("managers.csv"), "username,password,product\n", managerAccounts, m -> m[0] + "," + m[1] + "," + slug + "\n");
      writePrivate(out.resolve("tokens.txt"), "", people, p -> p[0] + " " + p[2] + "\n");
      writePrivate(out.resolve("devices.txt"), "# id secret claim-code\n", people, p -> p[3]);
      return new Result(users, users * devicesPerUser, managers, slug, productDevices,
          Math.round((System.nanoTime() - start) / 1e6) / 1000.0);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Waits until every account of {@code tokens.txt} lists {@code devicesPerUser} devices, all online:
   * the swarm's devices have reported their claim codes and hold their sessions.
   *
   * @return the devices found claimed and online
   * @throws IllegalStateException when that is not so within {@code timeout}
   */
  public int awaitClaimed(Path out, int devicesPerUser, Duration timeout) throws InterruptedException {
    List<String> tokens;
    try {
      tokens = Files.readAllLines(out.resolve("tokens.txt")).stream().map(line -> line.substring(line.indexOf(' ') + 1)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    int ready = 0;
    for (String token : tokens) {
      while (true) {
        JsonArray devices = api.getArray("/v1/devices", token);
        long online = devices.stream().filter(d -> ((JsonObject) d).getBoolean("online", false)).count();
        if (devices.size() == devicesPerUser && online == devicesPerUser) {
          ready += devicesPerUser;
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(ready + " devices claimed and online within " + timeout.toSeconds() + " s; an account lists "
              + devices.size() + " devices, " + online + " online, of " + devicesPerUser);
        }
        Thread.sleep(200);
      }
    }
    return ready;
  }

  private JsonObject register(String token) {
    return api.post("/v1/admin/devices", token, new JsonObject().put("platform_id", PLATFORM_ID), 201);
  }

  private static JsonObject account(String[] account, boolean admin) {
    return new JsonObject().put("username", account[0]).put("password", account[1]).put("admin", admin);
  }

  /** 24 random characters: no account of a load run has a default or guessable password. */
  private static String password() {
    return HexFormat.of().formatHex(randomBytes(12));
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static <T> List<T> inParallel(ExecutorService pool, int count, IntFunction<T> task) {
    List<Future<T>> futures = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int index = i;
      futures.add(pool.submit(() -> task.apply(index)));
    }
    List<T> results = new ArrayList<>(count);
    try {
      for (Future<T> future : futures) {
        results.add(future.get());
      }
    } catch (ExecutionException e) {
      futures.forEach(f -> f.cancel(true));
      throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return results;
  }

  private static <T> void writePrivate(Path file, String header, List<T> rows, java.util.function.Function<T, String> line) {
    StringBuilder text = new StringBuilder(header);
    rows.forEach(row -> text.append(line.apply(row)));
    try {
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
