package io.drover.loadtests.provision;

import io.drover.loadtests.CommandLine;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code provision}: registers N devices and writes their credentials file; prints one JSON line
 * (registered, failed, seconds, per second).
 */
public final class ProvisionCommand {

  private ProvisionCommand() {
  }

  public static int run(CommandLine args) {
    if (args.helpRequested()) {
      System.err.print(ProvisionSettings.HELP);
      return 0;
    }
    ProvisionSettings settings = ProvisionSettings.from(args);
    String token = readToken(settings);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    long startNanos = System.nanoTime();
    Provisioner.Result result;
    try {
      Provisioner provisioner = new Provisioner(vertx, settings, token);
      Promise<Provisioner.Result> run = Promise.promise();
      vertx.runOnContext(ignored -> provisioner.registerAll().onComplete(run));
      result = run.future().await(settings.deadline().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      System.err.println("drover-swarm provision: not done within " + settings.deadline().toSeconds() + " s");
      return 3;
    } finally {
      vertx.close();
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    write(settings, result);
    JsonObject report = new JsonObject()
        .put("registered", result.lines().size())
        .put("failed", result.failed())
        .put("seconds", Math.round(seconds * 1000) / 1000.0)
        .put("perSecond", Math.round(result.lines().size() / seconds))
        .put("out", settings.output().toString());
    if (result.firstFailure() != null) {
      report.put("firstFailure", result.firstFailure());
    }
    System.out.println(report.encode());
    return result.failed() == 0 ? 0 : 1;
  }

  private static String readToken(ProvisionSettings settings) {
    try {
      return Files.readString(settings.tokenFile(), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the admin token " + settings.tokenFile() + ": " + e.getMessage(), e);
    }
  }

  private static void write(ProvisionSettings settings, Provisioner.Result result) {
    try {
      Files.write(settings.output(), result.lines(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + settings.output(), e);
    }
  }
}
