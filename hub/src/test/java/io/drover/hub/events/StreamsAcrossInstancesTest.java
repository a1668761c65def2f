package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With four API instances, each connection (and its stream) lands on one of them in turn; the streams'
 * limit is still the node's, exactly, and every stream, on whichever instance, gets every event once.
 */
class StreamsAcrossInstancesTest {

  private static final int INSTANCES = 4;
  private static final int MAX_STREAMS = 6;
  private static TestNode node;
  private static Vertx client;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--http.instances=" + INSTANCES, "--events.max-streams-per-user=" + MAX_STREAMS,
        "--events.stream-opens-per-minute=1000");
    client = Vertx.vertx();
  }

  @AfterAll
  static void stopNode() {
    client.close();
    node.close();
  }

  @Test
  void streamsOpenedAtOnceOverEveryInstanceAreHeldToTheAccountsLimitExactly() throws Exception {
    String token = node.signUpAndLogIn("crowd@example.com", "crowd's password 1");
    int attempts = 4 * MAX_STREAMS;
    ExecutorService opening = Executors.newFixedThreadPool(attempts);
    List<SseClient> opened = new ArrayList<>();
    try {
      List<Callable<SseClient>> opens = new ArrayList<>();
      for (int i = 0; i < attempts; i++) {
        opens.add(() -> SseClient.open(client, node.httpPort(), "/v1/devices/events", token));
      }
      for (Future<SseClient> open : opening.invokeAll(opens)) {
        opened.add(open.get());
      }
      long served = opened.stream().filter(sse -> sse.status() == 200).count();
      long refused = opened.stream().filter(sse -> sse.status() == 429).count();
      assertEquals(MAX_STREAMS, served, "streams open at once for the account, over " + INSTANCES + " instances");
      assertEquals(attempts - MAX_STREAMS, refused, "the rest refused with 429");
      assertEquals(MAX_STREAMS, node.metric("drover_streams_open"));
    } finally {
      opening.shutdownNow();
      opened.forEach(SseClient::close);
    }
    TestNode.eventually(Duration.ofSeconds(10), () -> openStreams() == 0, "every stream forgotten");
    // closed, each gave its place back to the node's count: the account opens as many again
    List<SseClient> again = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_STREAMS; i++) {
        again.add(SseClient.open(client, node.httpPort(), "/v1/devices/events", token));
      }
      assertEquals(List.of(200, 200, 200, 200, 200, 200), again.stream().map(SseClient::status).toList());
    } finally {
      again.forEach(SseClient::close);
    }
    TestNode.eventually(Duration.ofSeconds(10), () -> openStreams() == 0, "every stream forgotten");
  }

  @Test
  void everyStreamOnEveryInstanceGetsEveryEventOnceInOrderAndResumesFromItsLastEventId() throws Exception {
    String token = node.signUpAndLogIn("watcher@example.com", "watcher's password 1");
    List<SseClient> streams = new ArrayList<>();
    try {
      // six connections over four instances: some instances hold two streams, every instance at least one
      for (int i = 0; i < MAX_STREAMS; i++) {
        streams.add(SseClient.open(client, node.httpPort(), i % 2 == 0 ? "/v1/devices/events" : "/v1/events", token));
      }
      int events = 60;
      for (int i = 0; i < events; i++) {
        assertEquals(200, node.post("/v1/devices/events", "{\"name\":\"spread\",\"data\":\"" + i + "\",\"private\":true}", token).statusCode());
      }
      for (SseClient stream : streams) {
        stream.awaitEvent(event -> event.data().getString("data").equals(String.valueOf(events - 1)), Duration.ofSeconds(15));
      }
      // a moment for a duplicate to show, if any were on its way
      Thread.sleep(300);
      List<String> ids = List.of();
      for (SseClient stream : streams) {
        List<String> data = stream.events().stream().map(event -> event.data().getString("data")).toList();
        assertEquals(numbers(0, events), data, "each event once, in order, on every stream");
        List<String> streamIds = stream.events().stream().map(SseClient.Event::id).toList();
        if (ids.isEmpty()) {
          ids = streamIds;
        }
        assertEquals(ids, streamIds, "the same ids on every stream");
      }

      // reconnecting with the id of the 20th event, over every instance in turn: the 40 after it, each once
      streams.forEach(SseClient::close);
      streams.clear();
      TestNode.eventually(Duration.ofSeconds(10), () -> openStreams() == 0, "every stream forgotten");
      for (int i = 0; i < INSTANCES; i++) {
        streams.add(SseClient.open(client, node.httpPort(), "/v1/devices/events", token, ids.get(19)));
      }
      for (SseClient stream : streams) {
        stream.awaitEvent(event -> event.data().getString("data").equals(String.valueOf(events - 1)), Duration.ofSeconds(15));
      }
      Thread.sleep(300);
      for (SseClient stream : streams) {
        assertEquals(numbers(20, events), stream.events().stream().map(event -> event.data().getString("data")).toList(),
            "the events after the Last-Event-ID, each once");
      }
    } finally {
      streams.forEach(SseClient::close);
    }
    TestNode.eventually(Duration.ofSeconds(10), () -> openStreams() == 0, "every stream forgotten");
  }

  private static List<String> numbers(int from, int to) {
    return java.util.stream.IntStream.range(from, to).mapToObj(String::valueOf).collect(Collectors.toList());
  }

  private static double openStreams() {
    try {
      return node.metric("drover_streams_open");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
