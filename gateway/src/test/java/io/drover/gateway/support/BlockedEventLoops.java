package io.drover.gateway.support;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects Vert.x's blocked-thread warnings (logback-test.xml routes them here) so that the gateway
 * under test can fail the tests that ran on it: blocking an event loop is a bug even when the test
 * passes.
 */
public final class BlockedEventLoops extends AppenderBase<ILoggingEvent> {

  private static final List<String> WARNINGS = new CopyOnWriteArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    WARNINGS.add(event.getFormattedMessage());
  }

  static void forget() {
    WARNINGS.clear();
  }

  static void assertNone() {
    if (!WARNINGS.isEmpty()) {
      List<String> seen = List.copyOf(WARNINGS);
      WARNINGS.clear();
      throw new AssertionError("an event loop was blocked while the gateway ran: " + seen);
    }
  }
}
