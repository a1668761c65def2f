package io.drover.gateway.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class SampledLogTest {

  private final Logger logger = (Logger) LoggerFactory.getLogger("io.drover.gateway.log.SampledLogTest");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
  private final SampledLog log = new SampledLog(logger, Duration.ofSeconds(1), clock::get);

  @BeforeEach
  void capture() {
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.INFO);
  }

  @AfterEach
  void release() {
    logger.detachAppender(appender);
    logger.setLevel(null);
  }

  @Test
  void aFloodOfOneReasonIsOneLineASecondAndTheNextLineCountsWhatWasLeftOut() {
    for (int i = 0; i < 1000; i++) {
      log.info("bad_credentials", "connect refused [device-id: {}]", "d" + i);
    }
    clock.addAndGet(Duration.ofMillis(999).toNanos());
    log.info("bad_credentials", "connect refused [device-id: {}]", "late");
    clock.addAndGet(Duration.ofMillis(1).toNanos());
    log.info("bad_credentials", "connect refused [device-id: {}]", "next");

    assertEquals(List.of("connect refused [device-id: d0]", "connect refused [device-id: next] (1000 more like it not logged)"), messages());
  }

  @Test
  void reasonsAreSampledApart() {
    log.info("bad_credentials", "refused {}", 1);
    log.info("unknown_device", "refused {}", 2);
    log.info("bad_credentials", "refused {}", 3);
    log.warn("unknown_device", "refused {}", 4);

    assertEquals(List.of("refused 1", "refused 2"), messages());
  }

  @Test
  void aLevelTheLoggerDoesNotWriteIsNeitherLoggedNorCounted() {
    log.debug("overloaded", "refused {}", 1);
    log.info("overloaded", "refused {}", 2);

    assertEquals(List.of("refused 2"), messages(), "the DEBUG line took no place in the window and is not counted as left out");
    assertEquals(Level.INFO, appender.list.get(0).getLevel());
  }

  private List<String> messages() {
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }
}
