package io.drover.loadtests.listen;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Where the listener's events come from: an MQTT subscription or a Server-Sent Events stream. Deployed
 * on one event loop; {@link #start()} completes once events can arrive (SUBACK, or the stream's opening).
 */
abstract class EventSource extends VerticleBase {

  protected final Reception reception = new Reception();
  /** Why the source ended by itself (the server closed it), or null while it is open. */
  protected volatile String ended;

  String ended() {
    return ended;
  }

  /** The reception, read on this source's context so that every event recorded before is seen. */
  Future<Reception> reception() {
    return Future.future(promise -> context.runOnContext(ignored -> promise.complete(reception)));
  }
}
