package io.drover.hub.devices.claims;

import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.HubAddresses;
import io.drover.hub.auth.Principal;
import io.drover.hub.customers.CustomerClaims;
import io.drover.hub.devices.DeviceDirectory;
import io.drover.hub.http.ApiException;
import io.drover.hub.products.fleet.ReportedImport;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim codes devices report: a device publishes the event {@value #EVENT_NAME} with a code as its
 * data (over MQTT {@code e/spark/device/claim/code}, over CoAP {@code POST /e/spark/device/claim/code},
 * as Particle's Device OS does after its set-up), and the events verticle hands it here instead of
 * storing or streaming it: a code is a credential, not an event for anyone's stream.
 *
 * <p>A report binds the code to the device (once; see {@link ClaimCodes#bind}) and acts as the code's
 * account would by claiming the device by its ID, with the report as the proof: an account's code
 * claims the device for the account ({@link PersonClaims}), a customer's for the customer
 * ({@link CustomerClaims}; in private beta the customer still claims with an activation code), a
 * product team's code imports the device into the product ({@link ReportedImport}). A refusal (the
 * device is someone else's, say) leaves the code bound, and is logged.
 *
 * <p>Reports are written in batches, as the event writer writes events: whatever arrives while a batch
 * is in the database waits for the next one, one row per device (a device reporting again replaces its
 * code), at most {@value #MAX_PENDING} devices; past that a report is refused as OVERLOADED (the device
 * retries at QoS 1). So a device flooding reports costs one statement per batch, not one per message.
 * The device's request is answered once its report is written. Runs on this verticle's context.
 */
public final class ClaimCodeReports extends VerticleBase {

  public static final String EVENT_NAME = "spark/device/claim/code";
  static final int MAX_PENDING = 10_000;
  /** Device OS keeps a claim code of up to 63 characters. */
  static final int MAX_CODE_LENGTH = 63;
  private static final Logger LOG = LoggerFactory.getLogger(ClaimCodeReports.class);

  private final ClaimCodes codes;
  private final PersonClaims persons;
  private final CustomerClaims customers;
  private final ReportedImport imports;
  private final DeviceDirectory directory;
  private Map<String, Pending> pending = new LinkedHashMap<>();
  private boolean writing;
  private boolean writeScheduled;
  private long refused;

  public ClaimCodeReports(ClaimCodes codes, PersonClaims persons, CustomerClaims customers, ReportedImport imports, DeviceDirectory directory) {
    this.codes = codes;
    this.persons = persons;
    this.customers = customers;
    this.imports = imports;
    this.directory = directory;
  }

  /** A device's latest code and every request that waits for it to be written. */
  private record Pending(String code, List<Message<JsonObject>> waiting) {
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>localConsumer(HubAddresses.CLAIM_CODE_REPORTED, this::reported).completion();
  }

  private void reported(Message<JsonObject> message) {
    String deviceId = message.body().getString("device_id");
    String code = message.body().getString("code");
    if (deviceId == null || code == null || code.isBlank() || code.length() > MAX_CODE_LENGTH) {
      LOG.debug("claim code report ignored: no code of up to {} characters [device-id: {}]", MAX_CODE_LENGTH, deviceId);
      message.reply(null);
      return;
    }
    Pending waiting = pending.get(deviceId);
    if (waiting == null && pending.size() >= MAX_PENDING) {
      if (refused++ % 1000 == 0) {
        LOG.warn("claim code reports refused: {} devices' reports wait already [refused so far: {}]", MAX_PENDING, refused);
      }
      message.fail(DeviceFailure.Kind.OVERLOADED.busCode(), "too many claim code reports waiting");
      return;
    }
    List<Message<JsonObject>> messages = waiting == null ? new ArrayList<>(1) : waiting.waiting();
    messages.add(message);
    pending.put(deviceId, new Pending(code.trim(), messages));
    if (!writing && !writeScheduled) {
      writeScheduled = true;
      context.runOnContext(ignored -> {
        writeScheduled = false;
        write();
      });
    }
  }

  private void write() {
    if (writing || pending.isEmpty()) {
      return;
    }
    writing = true;
    Map<String, Pending> batch = pending;
    pending = new LinkedHashMap<>();
    List<String> deviceIds = new ArrayList<>(batch.keySet());
    List<String> reported = new ArrayList<>(batch.size());
    for (Pending each : batch.values()) {
      reported.add(each.code());
    }
    codes.bind(deviceIds, reported)
        .compose(bindings -> {
          List<Future<Void>> acted = new ArrayList<>(bindings.size());
          for (ClaimCodes.Binding binding : bindings) {
            acted.add(act(binding));
          }
          return Future.join(acted).<Void>mapEmpty().recover(ignored -> Future.succeededFuture());
        })
        .onComplete(written -> {
          writing = false;
          for (Pending each : batch.values()) {
            for (Message<JsonObject> message : each.waiting()) {
              if (written.succeeded()) {
                message.reply(null);
              } else {
                message.fail(DeviceFailure.Kind.UNAVAILABLE.busCode(), "claim code report not written");
              }
            }
          }
          if (written.failed()) {
            LOG.warn("claim code reports not written [devices: {}, cause: {}]", batch.size(), written.cause().getMessage());
          }
          write();
        });
  }

  /** What the code's account would do with the device's ID, the report being the proof; never fails. */
  private Future<Void> act(ClaimCodes.Binding binding) {
    String deviceId = binding.deviceId();
    Future<String> done;
    if ("customer".equals(binding.kind())) {
      Principal customer = new Principal(binding.userId(), binding.username(), false, null, Principal.Kind.CUSTOMER,
          binding.accountProductId(), "customer=" + binding.username());
      done = customers.claim(customer, deviceId, null, true).map(row -> {
        directory.claimed(deviceId, binding.userId(), row.getString(1));
        return "claimed by customer";
      });
    } else if (binding.productId() != null) {
      done = imports.join(binding.productId(), deviceId).map(joined -> joined ? "imported into product " + binding.productId()
          : "not imported into product " + binding.productId() + " (in another product, someone else's, or of another type)");
    } else {
      done = persons.claim(deviceId, binding.userId(), false, true).map(row -> {
        directory.claimed(deviceId, binding.userId(), row.getString(1));
        return "claimed";
      });
    }
    return done
        .onSuccess(outcome -> LOG.info("claim code reported [device-id: {}, account: {}, outcome: {}]", deviceId, binding.username(), outcome))
        .onFailure(cause -> {
          if (cause instanceof ApiException refusal) {
            LOG.info("claim code reported, device not claimed [device-id: {}, account: {}, reason: {}]", deviceId, binding.username(),
                refusal.getMessage());
          } else {
            LOG.warn("claim code reported, claim failed [device-id: {}, account: {}, cause: {}]", deviceId, binding.username(), cause.getMessage());
          }
        })
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }
}
