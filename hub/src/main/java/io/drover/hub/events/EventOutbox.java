package io.drover.hub.events;

/**
 * What the event writer needs of the integrations' delivery engine: which integrations an
 * accepted event triggers, matched in memory, so that the writer commits the event and its outbox
 * rows in one statement; and a hand-over of the rows this node claimed at insert so that it delivers
 * them without reading them back. Every method is thread-safe: the writer calls them on the events
 * verticle's event loop, the engine runs on its own.
 */
public interface EventOutbox {

  /** For a hub without the engine (and tests of the writer alone): nothing ever matches. */
  EventOutbox NONE = new EventOutbox() {
    @Override
    public String[] match(LiveEvent event) {
      return null;
    }

    @Override
    public boolean reserve(int deliveries) {
      return false;
    }

    @Override
    public void release(int deliveries) {
    }

    @Override
    public void committed(LiveEvent event, String[] integrations) {
    }

    @Override
    public String nodeId() {
      return null;
    }

    @Override
    public int leaseSeconds() {
      return 0;
    }
  };

  /** The ids of the integrations {@code event} triggers, null when none; no SQL, no blocking. */
  String[] match(LiveEvent event);

  /**
   * Whether this node's engine takes {@code deliveries} more at once: then the rows are written
   * claimed by this node ({@link #nodeId}, a lease of {@link #leaseSeconds}) and handed over by
   * {@link #committed}; else written unclaimed, for any hub node's engine to claim.
   */
  boolean reserve(int deliveries);

  /** A reservation not used (the event was refused by the database). */
  void release(int deliveries);

  /** The event and its reserved rows are committed: the engine delivers them. */
  void committed(LiveEvent event, String[] integrations);

  String nodeId();

  int leaseSeconds();
}
