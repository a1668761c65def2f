package io.drover.hub;

/** Event-bus addresses the hub uses inside itself (the gateway's contract is in BusAddresses). */
public final class HubAddresses {

  /**
   * Publish: the {@code LiveEvent}s accepted in one turn of a node's events verticle, as one
   * {@code LiveEvents}, for the live streams. A node's stream API listens here only while it has streams
   * open, so a clustered publish reaches just the nodes with someone listening. Not the address that
   * carried single events before: a node of that version has no codec for a batch, and listens on its
   * own address only.
   */
  public static final String LIVE_EVENTS = "hub.events.live-batches";

  /** The name of an Asset Tracker's location event. */
  public static final String LOCATION_EVENT = "loc";

  /**
   * Send, node-local: each accepted {@code LiveEvent} named {@value #LOCATION_EVENT}, one message each, for the tracker's
   * location recorder. Apart from {@link #LIVE_EVENTS}: a consumer there on its own event loop was handed
   * every event the node accepted (a task queued on that loop, and a wake-up when it idled, per event)
   * to keep the few named {@value #LOCATION_EVENT}.
   */
  public static final String LOCATION_EVENTS = "hub.events.locations";

  /**
   * Request (no body), node-local; reply: the highest event id this node's writer accepted when asked,
   * once every event up to it is committed. A resuming stream asks before reading the database.
   */
  public static final String EVENTS_WRITTEN_THROUGH = "hub.events.written-through";

  /** Request: {@code {id?}}; reply: {@code {id, secret}} of a newly registered device. */
  public static final String PROVISION_DEVICE = "hub.devices.provision";

  /**
   * Publish, to every hub node: {@code {"device_id": "..."}} after a device's row changed (registered,
   * claimed, released, renamed). Each node reloads the row into its in-memory indexes (credentials,
   * owners, names), so that every node answers as the database does.
   */
  public static final String DEVICE_CHANGED = "hub.devices.changed";

  /**
   * Publish, to every hub node: {@code {"fingerprint": "..."}} after a device certificate's row changed
   * (registered, revoked). Each node reloads the row into its {@code CertificateIndex}.
   */
  public static final String DEVICE_CERTIFICATE_CHANGED = "hub.devices.certificate-changed";

  /**
   * Publish, to every hub node: {@code {"product_id": 1001}} after a product's device CAs changed.
   * Each node reloads the product's CAs into its {@code CertificateIndex}.
   */
  public static final String PRODUCT_DEVICE_CAS_CHANGED = "hub.products.device-cas-changed";

  /**
   * Request, node-local: {@code {"device_id": "...", "code": "..."}}, a claim code a device reported
   * (its {@code spark/device/claim/code} event, which the events verticle hands here instead of storing
   * or streaming it); reply: none, once the report is recorded (see {@code ClaimCodeReports}).
   */
  public static final String CLAIM_CODE_REPORTED = "hub.devices.claim-code-reported";

  /**
   * Publish, to every hub node: {@code {"scope": "account"|"product", "id": 42}} after an administrator
   * changed that tenant's quota override. Each node's events verticle reloads the override and holds
   * the tenant to it from its next event; a request (node-local) is answered once it does.
   */
  public static final String QUOTAS_CHANGED = "hub.quotas.changed";

  /**
   * Publish, to every hub node: {@code {"id": "..."}} after an integration's row was created, updated
   * or deleted (the integrations API), {@code {"product_id": n}} or {@code {"user_id": n}} after
   * its owner was deleted (the rows cascade). Each node reloads the row, or the owner's rows, into its
   * {@code IntegrationIndex}.
   */
  public static final String INTEGRATIONS_CHANGED = "hub.integrations.changed";

  /**
   * Request: {@code {"id", "data", "device_id"}}, the Console's Test button ({@code POST
   * /v1/integrations/:id/test}); reply: {@code {"pass": bool, "data": {"request", "status", "response",
   * "error", "latency_ms"}}}: the request sent once (no retries, no outbox, no hook events) and its
   * answer; a failure 404 when no such integration is known. See docs/architecture.md.
   */
  public static final String INTEGRATIONS_TEST = "hub.integrations.test";

  /**
   * Request: {@code {"id", "kind": "attempts"|"counts"|"dead_letters", "limit"?, "before"?, "since"?}};
   * reply: {@code {"attempts": [...]}}, {@code {"counts": [...]}} or {@code {"dead_letters": [...]}}.
   * The API checks who may read the integration before asking. See docs/architecture.md.
   */
  public static final String INTEGRATIONS_LOG = "hub.integrations.log";

  /**
   * Request: {@code {"id", "event_id"?}}: the integration's dead letters (or the one of that event)
   * become due again; reply: {@code {"replayed": n}}.
   */
  public static final String INTEGRATIONS_REPLAY = "hub.integrations.replay";

  /**
   * Publish: {@code {"device_id", "blocked": bool}} when a SIM's device may connect again or not
   * (a SIM deactivated, paused at its limit, reactivated, released, or moved to another device).
   */
  public static final String SIM_BLOCKS_CHANGED = "hub.sims.blocks-changed";

  private HubAddresses() {
  }
}
