package io.drover.gateway.session;

/** What the registry needs of a live session, whatever its transport. */
public interface DeviceSession {

  String deviceId();

  String sessionId();

  String protocol();

  /**
   * Ends the session because another one took it over. Must be safe to call from any thread; the
   * implementation hops to its own context.
   */
  void closeForTakeover();
}
