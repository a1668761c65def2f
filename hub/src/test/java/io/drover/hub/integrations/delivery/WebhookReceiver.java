package io.drover.hub.integrations.delivery;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real HTTP receiver on a free loopback port that records every request and answers by its path:
 * {@code /ok/<n>} 200 with n bytes ({@code 0123456789} repeated), {@code /status/<code>} that status,
 * {@code /hang} never, {@code /hangable} never while {@link #hanging} is set, {@code /big} 10 MB, {@code /cut} 100 bytes of a promised 1,000 and then closes
 * the connection, {@code /slow} 200 after 2 s, {@code /delay/<ms>} 200 after that many milliseconds, {@code /flaky} 500 while {@link #failing} is set.
 */
final class WebhookReceiver implements AutoCloseable {

  record Received(String method, String uri, MultiMap headers, String body, long atNanos, io.vertx.core.http.HttpVersion version) {
  }

  final List<Received> received = new CopyOnWriteArrayList<>();
  final AtomicInteger failing = new AtomicInteger();
  /** {@code /hangable} hangs while set, else answers 200. */
  final java.util.concurrent.atomic.AtomicBoolean hanging = new java.util.concurrent.atomic.AtomicBoolean();
  private final Vertx vertx;
  private final HttpServer server;
  private final boolean tls;

  private WebhookReceiver(Vertx vertx, HttpServer server, boolean tls) {
    this.vertx = vertx;
    this.server = server;
    this.tls = tls;
  }

  static WebhookReceiver start(Vertx vertx) throws Exception {
    HttpServer server = vertx.createHttpServer();
    WebhookReceiver receiver = new WebhookReceiver(vertx, server, false);
    server.requestHandler(receiver::handle).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return receiver;
  }

  /**
   * The same receiver over TLS with a self-signed certificate for {@code localhost}, offering HTTP/2
   * and HTTP/1.1 by ALPN.
   */
  static WebhookReceiver startTls(Vertx vertx) throws Exception {
    io.vertx.core.net.SelfSignedCertificate certificate = io.vertx.core.net.SelfSignedCertificate.create("localhost");
    HttpServer server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setSsl(true).setUseAlpn(true)
        .setKeyCertOptions(certificate.keyCertOptions()));
    WebhookReceiver receiver = new WebhookReceiver(vertx, server, true);
    server.requestHandler(receiver::handle).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return receiver;
  }

  int port() {
    return server.actualPort();
  }

  String url(String path) {
    return (tls ? "https" : "http") + "://127.0.0.1:" + port() + path;
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      received.add(new Received(request.method().name(), request.uri(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()),
          body.toString(), System.nanoTime(), request.version()));
      String path = request.path();
      if (path.startsWith("/ok/")) {
        request.response().end(text(Integer.parseInt(path.substring(4))));
      } else if (path.startsWith("/status/")) {
        request.response().setStatusCode(Integer.parseInt(path.substring(8))).end("status page");
      } else if (path.equals("/hang")) {
        // never answers
      } else if (path.equals("/hangable")) {
        if (!hanging.get()) {
          request.response().end("answered");
        }
      } else if (path.equals("/big")) {
        Buffer megabyte = Buffer.buffer(text(1024 * 1024));
        request.response().putHeader("Content-Length", Integer.toString(10 * megabyte.length()));
        for (int i = 0; i < 10; i++) {
          request.response().write(megabyte);
        }
        request.response().end();
      } else if (path.equals("/cut")) {
        request.response().putHeader("Content-Length", "1000").write(text(100));
        vertx.setTimer(50, id -> request.connection().close());
      } else if (path.startsWith("/delay/")) {
        vertx.setTimer(Long.parseLong(path.substring(7)), id -> request.response().end("late"));
      } else if (path.equals("/slow")) {
        vertx.setTimer(2000, id -> request.response().end("slow"));
      } else if (path.equals("/flaky")) {
        request.response().setStatusCode(failing.get() > 0 ? 500 : 200).end(failing.get() > 0 ? "down" : "up");
      } else {
        request.response().setStatusCode(404).end();
      }
    });
  }

  static String text(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append((char) ('0' + i % 10));
    }
    return text.toString();
  }

  List<Received> matching(Predicate<Received> which) {
    return received.stream().filter(which).toList();
  }

  Received await(Predicate<Received> which, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (Received request : received) {
        if (which.test(request)) {
          return request;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no request within " + timeout + "; received: " + received.stream().map(Received::uri).toList());
  }

  @Override
  public void close() {
    server.close().await();
  }
}
