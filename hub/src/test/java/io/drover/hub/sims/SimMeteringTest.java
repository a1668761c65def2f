package io.drover.hub.sims;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.CoapTestDevice;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A device's MQTT bytes, as a raw client wrote and read them, reach its SIM's usage of the day through
 * the gateway's periodic batches; a deactivated SIM's device is cut off and refused; a SIM past its
 * limit is paused by the metering itself, with an event.
 */
class SimMeteringTest {

  /** MQTT 3.1.1 section 3.2.2.3: 5, not authorized. */
  private static final int NOT_AUTHORIZED = 5;
  private static TestNode node;
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start("--gateway.data-usage-flush-seconds=1");
    token = node.signUpAndLogIn("sim-meter@example.com", "correct horse battery staple");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** A device of the account with a SIM in it; returns the ICCID. */
  private static String simFor(TestNode.DeviceIdentity device) throws Exception {
    node.claim(device.id(), token);
    String iccid = SimFixture.iccid();
    assertEquals(200, node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(new JsonObject().put("iccid", iccid)
        .put("device_id", device.id()))).encode(), token).statusCode());
    return iccid;
  }

  private static long[] usage(String iccid) throws Exception {
    String row = node.query("SELECT bytes_in || ',' || bytes_out FROM sim_data_usage WHERE iccid = '" + iccid + "'");
    if (row == null) {
      return new long[] {0, 0};
    }
    String[] parts = row.split(",");
    return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
  }

  @Test
  void everyByteTheDeviceWroteAndReadIsMeteredToItsSim() throws Exception {
    TestNode.DeviceIdentity device = node.provisionDevice();
    String iccid = simFor(device);
    TestNode.DeviceIdentity simless = node.provisionDevice();
    node.claim(simless.id(), token);

    long written;
    long read;
    try (RawMqtt mqtt = RawMqtt.connect(node.mqttPort(), device.id(), device.secret());
         RawMqtt other = RawMqtt.connect(node.mqttPort(), simless.id(), simless.secret())) {
      assertEquals(0, mqtt.connackCode(5000));
      assertEquals(0, other.connackCode(5000));
      int published = 0;
      for (int i = 0; i < 5; i++) {
        published += mqtt.publish("meter/reading", "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(100 * i) + "\"}");
        other.publish("meter/reading", "not metered: this device has no SIM");
      }
      assertTrue(published > 5 * (2 + 15), "five PUBLISH packets: " + published + " bytes");
      mqtt.disconnect();
      other.disconnect();
      assertTrue(mqtt.awaitClosed(5000), "the gateway closes after DISCONNECT");
      assertTrue(other.awaitClosed(5000));
      written = mqtt.bytesWritten();
      read = mqtt.bytesRead();
    }
    assertEquals(4, read, "what the gateway sent: the CONNACK alone");
    TestNode.eventually(Duration.ofSeconds(10), () -> {
      try {
        long[] metered = usage(iccid);
        return metered[0] == written && metered[1] == read;
      } catch (Exception e) {
        return false;
      }
    }, "the SIM's usage is every byte written (" + written + ") and read (" + read + ")");
    assertEquals("0", node.query("SELECT count(*) FROM sim_data_usage u JOIN sims s ON s.iccid = u.iccid WHERE s.device_id = '"
        + simless.id() + "'"), "a device without a SIM is not metered");

    JsonObject byApi = new JsonObject(node.get("/v1/sims/" + iccid + "/data_usage", token).body());
    assertEquals(SimJson.mb(written + read), byApi.getDouble("used"));
  }

  @Test
  void everyTlsRecordOfAnMqttsDeviceIsMeteredToItsSim() throws Exception {
    TestNode.DeviceIdentity device = node.provisionDevice();
    String iccid = simFor(device);
    long mqttWritten;
    try (CountingProxy wire = new CountingProxy(node.mqttTlsPort());
         RawMqtt mqtt = RawMqtt.connectTls(wire.port(), node.caFile(), device.id(), device.secret())) {
      assertEquals(0, mqtt.connackCode(5000));
      for (int i = 0; i < 5; i++) {
        mqtt.publish("meter/tls", "{\"n\":" + i + ",\"pad\":\"" + "t".repeat(150 * i) + "\"}");
      }
      mqtt.disconnect();
      assertTrue(mqtt.awaitClosed(5000), "the gateway closes after DISCONNECT");
      assertTrue(wire.awaitDone(5000), "both directions of the relay ended");
      mqttWritten = mqtt.bytesWritten();
      long onWireIn = wire.toServer();
      long onWireOut = wire.toClient();
      // TLS adds the handshake and a header and tag per record: the wire carries more than the MQTT bytes
      assertTrue(onWireIn > mqttWritten + 200, "TLS records and handshake on the wire: " + onWireIn + " for " + mqttWritten + " MQTT bytes");
      assertTrue(onWireOut > 4 + 500, "the server's handshake (its certificate) and the CONNACK's record: " + onWireOut);
      TestNode.eventually(Duration.ofSeconds(10), () -> {
        try {
          long[] metered = usage(iccid);
          return metered[0] == onWireIn && metered[1] == onWireOut;
        } catch (Exception e) {
          return false;
        }
      }, "the SIM's usage is every byte on the wire in (" + onWireIn + ") and out (" + onWireOut + "), TLS records included");
    }
  }

  @Test
  void batchesThatComeWhileSixteenAreWrittenAreMergedNotDropped() throws Exception {
    TestNode.DeviceIdentity device = node.provisionDevice();
    String iccid = simFor(device);
    node.execute("INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out) VALUES ('" + iccid + "', (now() AT TIME ZONE 'UTC')::date, 1000, 100)");
    double mergedBefore = node.metric("drover_sims_usage_batches_merged_total");
    int batches = 40;
    // the database held up: the day's row locked, so that no write of the meter ends while the batches come
    try (java.sql.Connection holder = node.node().database().jdbcConnection()) {
      holder.setAutoCommit(false);
      holder.createStatement().executeQuery("SELECT * FROM sim_data_usage WHERE iccid = '" + iccid + "' FOR UPDATE").close();
      for (int i = 0; i < batches; i++) {
        node.eventBus().send(io.drover.gateway.contract.BusAddresses.DATA_USAGE, new JsonObject().put("devices", new JsonArray()
            .add(new JsonObject().put("device_id", device.id()).put("rx", 10L).put("tx", 1L))));
      }
      TestNode.eventually(Duration.ofSeconds(10), () -> {
        try {
          return node.metric("drover_sims_usage_batches_merged_total") - mergedBefore >= batches - 16;
        } catch (Exception e) {
          return false;
        }
      }, "the batches past the 16 written at once merged into the pending one");
      holder.commit();
    }
    TestNode.eventually(Duration.ofSeconds(10), () -> {
      try {
        long[] metered = usage(iccid);
        return metered[0] == 1000 + 10L * batches && metered[1] == 100 + batches;
      } catch (Exception e) {
        return false;
      }
    }, "every batch's bytes counted once the database is back");
    assertEquals(0.0, node.metric("drover_sims_usage_batches_dropped_total"), "nothing dropped");
  }

  @Test
  void deletingAProductTakesItsSimsAndUsageAlongLeavesNoBlockAndLetsTheIccidBeImportedAfresh() throws Exception {
    int productId = new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Doomed Tracker")
        .put("platform_id", 13)).encode(), token).body()).getJsonObject("product").getInteger("id");
    TestNode.DeviceIdentity device = node.provisionDevice();
    assertEquals(200, node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", device.id()).encode(), node.adminToken())
        .statusCode());
    String iccid = SimFixture.iccid();
    assertEquals(200, node.post("/v1/products/" + productId + "/sims", new JsonObject().put("sims", new JsonArray().add(new JsonObject()
        .put("iccid", iccid).put("device_id", device.id()))).encode(), token).statusCode());
    // the product's device object carries its SIM, as Particle's does
    JsonObject productDevice = new JsonObject(node.get("/v1/products/" + productId + "/devices/" + device.id(), token).body());
    assertEquals(iccid, productDevice.getString("iccid"), productDevice.encode());
    assertEquals(true, productDevice.getBoolean("cellular"), productDevice.encode());
    node.execute("INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out) VALUES ('" + iccid + "', (now() AT TIME ZONE 'UTC')::date, 777000, 0)");
    assertEquals(200, node.send("PUT", "/v1/products/" + productId + "/sims/" + iccid, new JsonObject().put("action", "deactivate").encode(), token)
        .statusCode());
    try (RawMqtt refused = RawMqtt.connect(node.mqttPort(), device.id(), device.secret())) {
      assertEquals(NOT_AUTHORIZED, refused.connackCode(5000), "held back by its deactivated SIM");
    }

    // when the product is deleted
    assertEquals(204, node.send("DELETE", "/v1/products/" + productId, null, token).statusCode());

    // then no SIM row, no usage row is left behind
    assertEquals("0", node.query("SELECT count(*) FROM sims WHERE iccid = '" + iccid + "'"));
    assertEquals("0", node.query("SELECT count(*) FROM sim_data_usage WHERE iccid = '" + iccid + "'"));
    // the device, whose SIM is gone, is not refused any more
    TestNode.eventually(Duration.ofSeconds(5), () -> {
      try (RawMqtt again = RawMqtt.connect(node.mqttPort(), device.id(), device.secret())) {
        return again.connackCode(5000) == 0;
      } catch (Exception e) {
        return false;
      }
    }, "the device connects once its SIM went with the product");
    // and another account imports the ICCID afresh, seeing none of the old usage
    String other = node.signUpAndLogIn("sim-next-owner@example.com", "correct horse battery staple");
    assertEquals(200, node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(iccid)).encode(), other).statusCode());
    JsonObject sim = new JsonObject(node.get("/v1/sims/" + iccid, other).body());
    assertEquals("active", sim.getString("status"), sim.encode());
    assertEquals("sim-next-owner@example.com", sim.getString("owner"));
    JsonObject usage = new JsonObject(node.get("/v1/sims/" + iccid + "/data_usage", other).body());
    assertEquals(0.0, usage.getDouble("used"), usage.encode());
    assertEquals(404, node.get("/v1/sims/" + iccid, token).statusCode(), "not the first account's any more");
  }

  @Test
  void everyDtlsDatagramOfACoapDeviceIsMeteredToItsSim() throws Exception {
    TestNode.DeviceIdentity device = node.provisionDevice();
    String iccid = simFor(device);
    long sent;
    long received;
    try (CoapTestDevice coap = CoapTestDevice.connect(node.coapPort(), device.id(), device.secret())) {
      for (int i = 0; i < 5; i++) {
        assertTrue(coap.post("/e/meter/reading", "{\"n\":" + i + ",\"pad\":\"" + "z".repeat(80 * i) + "\"}").isSuccess());
      }
      sent = coap.bytesSent();
      received = coap.bytesReceived();
    }
    assertTrue(sent > 5 * 29, "the handshake and five records: " + sent);
    TestNode.eventually(Duration.ofSeconds(10), () -> {
      try {
        long[] metered = usage(iccid);
        return metered[0] == sent && metered[1] == received;
      } catch (Exception e) {
        return false;
      }
    }, "the SIM's usage is every datagram byte the device sent (" + sent + ") and received (" + received + "), its handshake's included");
  }

  @Test
  void deactivatingTheSimEndsTheLiveSessionAndRefusesTheNextConnect() throws Exception {
    TestNode.DeviceIdentity device = node.provisionDevice();
    String iccid = simFor(device);
    try (RawMqtt live = RawMqtt.connect(node.mqttPort(), device.id(), device.secret())) {
      assertEquals(0, live.connackCode(5000));
      JsonObject deactivated = new JsonObject(node.send("PUT", "/v1/sims/" + iccid, new JsonObject().put("action", "deactivate").encode(), token).body());
      assertEquals("deactivated", deactivated.getString("status"));
      assertEquals(true, deactivated.getBoolean("session_ended"), deactivated.encode());
      assertTrue(live.awaitClosed(5000), "the live session was closed");
    }
    try (RawMqtt refused = RawMqtt.connect(node.mqttPort(), device.id(), device.secret())) {
      assertEquals(NOT_AUTHORIZED, refused.connackCode(5000), "a deactivated SIM's device is refused at connect");
      assertTrue(refused.awaitClosed(5000));
    }
    try (RawMqtt wrongSecret = RawMqtt.connect(node.mqttPort(), device.id(), "not-the-secret")) {
      assertEquals(4, wrongSecret.connackCode(5000), "credentials are checked first: the SIM says nothing to whoever lacks them");
    }
    assertEquals(200, node.send("PUT", "/v1/sims/" + iccid, new JsonObject().put("action", "reactivate").encode(), token).statusCode());
    TestNode.eventually(Duration.ofSeconds(5), () -> {
      try (RawMqtt again = RawMqtt.connect(node.mqttPort(), device.id(), device.secret())) {
        return again.connackCode(5000) == 0;
      } catch (Exception e) {
        return false;
      }
    }, "a reactivated SIM's device connects again");
  }

  @Test
  void aDeactivatedSimCutsOffACoapDeviceAndItsNextHandshakeFails() throws Exception {
    TestNode.DeviceIdentity device = node.provisionDevice();
    String iccid = simFor(device);
    try (CoapTestDevice coap = CoapTestDevice.connect(node.coapPort(), device.id(), device.secret())) {
      assertTrue(coap.post("/e/meter/before", "1").isSuccess());
      JsonObject deactivated = new JsonObject(node.send("PUT", "/v1/sims/" + iccid, new JsonObject().put("action", "deactivate").encode(), token).body());
      assertEquals(true, deactivated.getBoolean("session_ended"), deactivated.encode());
    }
    try (CoapTestDevice again = CoapTestDevice.connect(node.coapPort(), device.id(), device.secret())) {
      assertEquals(null, again.post("/e/meter/after", "2"), "no answer: the DTLS handshake was refused");
    }
    assertEquals(0, node.countEvents(device.id(), "meter/after"));
  }

  @Test
  void aSimPastItsLimitIsPausedItsSessionEndedAndAnEventPublished() throws Exception {
    TestNode.DeviceIdentity device = node.provisionDevice();
    String iccid = simFor(device);
    assertEquals(200, node.send("PUT", "/v1/sims/" + iccid, new JsonObject().put("mb_limit", 1).encode(), token).statusCode());
    // 60 bytes short of the limit: the session's CONNECT and one event go past it
    node.execute("INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out) VALUES ('" + iccid + "', (now() AT TIME ZONE 'UTC')::date, 999940, 0)");
    try (RawMqtt live = RawMqtt.connect(node.mqttPort(), device.id(), device.secret())) {
      assertEquals(0, live.connackCode(5000));
      live.publish("meter/big", "y".repeat(200));
      assertTrue(live.awaitClosed(10_000), "the session was ended at the limit");
    }
    JsonObject sim = new JsonObject(node.get("/v1/sims/" + iccid, token).body());
    assertEquals("inactive", sim.getString("status"));
    assertEquals("data_limit_reached", sim.getString("last_status_change_action"));
    TestNode.eventually(Duration.ofSeconds(5), () -> {
      try {
        return node.countEvents(device.id(), SimMeter.LIMIT_EVENT) == 1;
      } catch (Exception e) {
        return false;
      }
    }, "a " + SimMeter.LIMIT_EVENT + " event of the device");
    try (RawMqtt refused = RawMqtt.connect(node.mqttPort(), device.id(), device.secret())) {
      assertEquals(NOT_AUTHORIZED, refused.connackCode(5000), "a paused SIM's device is refused at connect");
    }
  }
}
