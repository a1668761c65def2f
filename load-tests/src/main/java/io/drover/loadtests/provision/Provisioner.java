package io.drover.loadtests.provision;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers devices through {@code POST /v1/admin/devices}, the route a manufacturer's provisioning
 * step uses, with a bounded number of requests in flight over a keep-alive connection pool. Used on
 * one event loop: the caller runs {@link #registerAll} there.
 */
final class Provisioner {

  private static final String ROUTE = "/v1/admin/devices";
  private static final Buffer EMPTY_REQUEST = Buffer.buffer("{}");
  private static final long REQUEST_TIMEOUT_MS = 30_000;

  private final HttpClientAgent client;
  private final ProvisionSettings settings;
  private final String authorization;
  private final List<String> lines;
  private final Promise<Result> done = Promise.promise();
  private int started;
  private int answered;
  private int failed;
  private String firstFailure;

  /** What the run registered, as {@code id secret} lines, and how many requests failed. */
  record Result(List<String> lines, int failed, String firstFailure) {
  }

  Provisioner(Vertx vertx, ProvisionSettings settings, String adminToken) {
    this.settings = settings;
    this.authorization = "Bearer " + adminToken;
    this.lines = new ArrayList<>(settings.count());
    this.client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setDefaultHost(settings.host()).setDefaultPort(settings.port()).setKeepAlive(true))
        .with(new PoolOptions().setHttp1MaxSize(settings.concurrency()))
        .build();
  }

  /** Must be called on an event loop (the callbacks then all run there). */
  Future<Result> registerAll() {
    for (int i = 0; i < settings.concurrency() && started < settings.count(); i++) {
      registerNext();
    }
    return done.future().eventually(() -> client.close());
  }

  private void registerNext() {
    started++;
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setURI(ROUTE)
        .setIdleTimeout(REQUEST_TIMEOUT_MS)
        .putHeader("Authorization", authorization)
        .putHeader("Content-Type", "application/json");
    client.request(request)
        .compose(outgoing -> outgoing.send(EMPTY_REQUEST))
        .compose(response -> response.body().map(body -> {
          if (response.statusCode() != 201) {
            throw new IllegalStateException("HTTP " + response.statusCode() + ": " + body.toString().strip());
          }
          return body.toJsonObject();
        }))
        .onComplete(answer -> {
          answered++;
          if (answer.succeeded()) {
            JsonObject device = answer.result();
            lines.add(device.getString("id") + " " + device.getString("secret"));
          } else {
            failed++;
            if (firstFailure == null) {
              firstFailure = answer.cause().getMessage();
            }
          }
          if (answered == settings.count()) {
            done.tryComplete(new Result(lines, failed, firstFailure));
          } else if (started < settings.count()) {
            registerNext();
          }
        });
  }
}
