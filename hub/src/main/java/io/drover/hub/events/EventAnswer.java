package io.drover.hub.events;

import io.vertx.core.Completable;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * How the publisher of an event hears what became of it: by the reply to its bus request, by the
 * completion of a {@code LocalDurableEvent} (a gateway on this node), or not at all (a send). A refusal
 * reaches both kinds of waiting publisher as the same failure: a {@code RECIPIENT_FAILURE} with the
 * refusal's bus code. Called on the events verticle's context.
 */
interface EventAnswer {

  /** A send: nobody waits. */
  EventAnswer NONE = new EventAnswer() {
    @Override
    public boolean awaited() {
      return false;
    }

    @Override
    public void written() {
    }

    @Override
    public void refused(int busCode, String message) {
    }
  };

  /** @return whether the publisher waits for the answer */
  boolean awaited();

  /** The event is committed (or, for a claim code, recorded). */
  void written();

  void refused(int busCode, String message);

  static EventAnswer of(Message<?> message) {
    if (message.replyAddress() == null) {
      return NONE;
    }
    return new EventAnswer() {
      @Override
      public boolean awaited() {
        return true;
      }

      @Override
      public void written() {
        message.reply(null);
      }

      @Override
      public void refused(int busCode, String text) {
        message.fail(busCode, text);
      }
    };
  }

  static EventAnswer of(Completable<Void> written) {
    return new EventAnswer() {
      @Override
      public boolean awaited() {
        return true;
      }

      @Override
      public void written() {
        written.succeed();
      }

      @Override
      public void refused(int busCode, String message) {
        written.fail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, busCode, message));
      }
    };
  }
}
