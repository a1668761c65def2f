package io.drover.loadtests.gatling;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.csv;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.regex;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.sse;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.FeederBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Console and API users against one node, beside the device swarm that keeps their devices online
 * ({@code bin/gatling.sh} starts both; {@code console-setup} made the accounts):
 *
 * <ul>
 *   <li><b>console users</b> log in as particle-api-js does ({@code POST /oauth/token}, password
 *       grant), list their devices, then a few times open one of them, call its function {@code led}
 *       and read its variable {@code temp} (the swarm's devices answer 1 and 21.5), with a think time;
 *   <li><b>stream users</b> log in, open their devices' event stream ({@code /v1/devices/events/load},
 *       where the swarm publishes), wait for the first event, hold the stream, and close it;
 *   <li><b>fleet managers</b> log in and page through the product's device list by page number, as
 *       the Console's pager does.
 * </ul>
 *
 * Every request checks its status and the answer's content. The run's assertion: at most
 * {@code drover.maxFailedPercent} of the requests fail (0 for the smoke run: any failure fails it).
 */
public class ConsoleSimulation extends Simulation {

  private final ConsoleLoad load = ConsoleLoad.fromSystemProperties();

  private final HttpProtocolBuilder protocol = http
      .baseUrl(load.baseUrl())
      // Gatling warms its HTTP client up against its own web site by default: the node's liveness instead
      .warmUp(load.baseUrl() + "/health/live")
      .acceptHeader("application/json")
      .userAgentHeader("drover-gatling");

  private final FeederBuilder<String> users = csv(load.fixture().resolve("users.csv").toString()).circular();
  private final FeederBuilder<String> managers = csv(load.fixture().resolve("managers.csv").toString()).circular();

  /** particle-api-js's login: the password grant with its public client, as a form. */
  private static ChainBuilder logIn() {
    return exec(http("log in").post("/oauth/token")
        .formParam("grant_type", "password")
        .formParam("username", "#{username}")
        .formParam("password", "#{password}")
        .formParam("client_id", "particle-api")
        .formParam("client_secret", "particle-api")
        .check(status().is(200), jsonPath("$.access_token").saveAs("token")));
  }

  private final ScenarioBuilder consoleUsers = scenario("console users")
      .feed(users)
      .exec(logIn())
      .exec(http("list devices").get("/v1/devices")
          .header("Authorization", "Bearer #{token}")
          .check(status().is(200), jsonPath("$[?(@.online == true)].id").findAll().saveAs("deviceIds")))
      .repeat(load.actionsPerUser()).on(
          exec(session -> {
            List<String> ids = session.getList("deviceIds");
            return session.set("device", ids.get(ThreadLocalRandom.current().nextInt(ids.size())));
          })
          .exec(http("open device").get("/v1/devices/#{device}")
              .header("Authorization", "Bearer #{token}")
              .check(status().is(200), jsonPath("$.id").isEL("#{device}"), jsonPath("$.functions[0]").is("led")))
          .exec(http("call function").post("/v1/devices/#{device}/led")
              .header("Authorization", "Bearer #{token}")
              .header("Content-Type", "application/json")
              .body(StringBody("{\"arg\":\"on\"}"))
              .check(status().is(200), jsonPath("$.return_value").ofInt().is(1)))
          .exec(http("read variable").get("/v1/devices/#{device}/temp")
              .header("Authorization", "Bearer #{token}")
              .check(status().is(200), jsonPath("$.result").ofDouble().is(21.5)))
          .pause(load.thinkTime()));

  private final ScenarioBuilder streamUsers = scenario("stream users")
      .feed(users)
      .exec(logIn())
      .exec(sse("open event stream").get("/v1/devices/events/load")
          .header("Authorization", "Bearer #{token}")
          .await(30).on(sse.checkMessage("first event").check(regex("coreid[^0-9a-f]+[0-9a-f]{24}"))))
      .pause(load.streamHold())
      .exec(sse("close event stream").close());

  private final ScenarioBuilder fleetManagers = scenario("fleet managers")
      .feed(managers)
      .exec(logIn())
      .exec(http("product devices page 1").get("/v1/products/#{product}/devices?per_page=25")
          .header("Authorization", "Bearer #{token}")
          .check(status().is(200), jsonPath("$.devices[24].id").exists(), jsonPath("$.meta.total_pages").ofInt().saveAs("pages")))
      .repeat(load.actionsPerUser()).on(
          exec(session -> session.set("page", 2 + ThreadLocalRandom.current().nextInt(Math.max(1, session.getInt("pages") - 1))))
          .exec(http("product devices page n").get("/v1/products/#{product}/devices?per_page=25&page=#{page}")
              .header("Authorization", "Bearer #{token}")
              .check(status().is(200), jsonPath("$.meta.page").ofInt().isEL("#{page}"), jsonPath("$.devices[0].id").exists()))
          .pause(load.thinkTime()));

  {
    List<PopulationBuilder> populations = new ArrayList<>();
    populations.add(consoleUsers.injectOpen(rampUsers(load.consoleUsers()).during(load.ramp())));
    if (load.streamUsers() > 0) {
      populations.add(streamUsers.injectOpen(rampUsers(load.streamUsers()).during(load.ramp())));
    }
    if (load.managerUsers() > 0) {
      populations.add(fleetManagers.injectOpen(rampUsers(load.managerUsers()).during(load.ramp())));
    }
    setUp(populations)
        .protocols(protocol)
        .assertions(global().failedRequests().percent().lte(load.maxFailedPercent()));
  }
}
