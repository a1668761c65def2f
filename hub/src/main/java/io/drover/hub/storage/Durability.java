package io.drover.hub.storage;

import java.util.Locale;

/**
 * What an acknowledged event (MQTT PUBACK, CoAP 2.04) is worth: the acknowledgement is sent after
 * the commit either way; this says whether that commit is on disk.
 */
public enum Durability {

  /**
   * The commit returns once PostgreSQL has flushed its WAL to disk (fsync on,
   * {@code synchronous_commit = on}): an acknowledged event survives a crash of PostgreSQL or of the
   * machine.
   */
  DURABLE,

  /**
   * The commit returns before the WAL is flushed (the embedded server runs with fsync off and
   * {@code synchronous_commit = off}; on an external server the event writer's transactions set
   * {@code synchronous_commit = off}): acknowledged events can be lost on a crash of PostgreSQL or
   * the machine.
   */
  RELAXED;

  /** The option's spelling, {@code durable} or {@code relaxed}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
