package io.drover.gateway.commands;

import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.pipeline.DeviceCall;
import io.drover.gateway.pipeline.DeviceLink;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * The cloud's function calls, variable reads and signals to one device: at most
 * {@link #MAX_IN_FLIGHT} awaiting the device at once (more are refused, not queued), each with its
 * deadline, all failed as DEVICE_OFFLINE when the session ends. The transport only carries each call
 * ({@link DeviceLink#call}). Not thread-safe: every method runs on the session's context.
 */
public final class CommandDispatch {

  /** Requests one device may have in flight, whatever its transport. */
  public static final int MAX_IN_FLIGHT = 4;

  private final Vertx vertx;
  private final DeviceLink link;
  private final List<InFlight> inFlight = new ArrayList<>(MAX_IN_FLIGHT);
  private boolean closed;

  public CommandDispatch(Vertx vertx, DeviceLink link) {
    this.vertx = vertx;
    this.link = link;
  }

  /**
   * Sends a FUNCTION, VARIABLE or SIGNAL command.
   *
   * @return the device's answer; fails with DEVICE_OFFLINE, DEVICE_TIMEOUT, OVERLOADED past the
   *     in-flight bound, or what the transport reports (NOT_ALLOWED when the device does not listen)
   */
  public Future<String> send(DeviceCommand command) {
    if (closed) {
      return Future.failedFuture(new DeviceFailure(Kind.DEVICE_OFFLINE, "device is offline"));
    }
    if (inFlight.size() >= MAX_IN_FLIGHT) {
      return Future.failedFuture(new DeviceFailure(Kind.OVERLOADED, "the device has " + MAX_IN_FLIGHT + " requests in flight already"));
    }
    Promise<String> answer = Promise.promise();
    DeviceCall call = link.call(command);
    InFlight entry = new InFlight(call, answer);
    inFlight.add(entry);
    entry.timer = vertx.setTimer(command.timeoutMillis(), id -> {
      call.cancel();
      answer.tryFail(new DeviceFailure(Kind.DEVICE_TIMEOUT, "the device did not answer within " + command.timeoutMillis() + " ms"));
    });
    call.answer().onComplete(answered -> {
      if (answered.succeeded()) {
        answer.tryComplete(answered.result());
      } else {
        answer.tryFail(DeviceFailure.from(answered.cause()));
      }
    });
    answer.future().onComplete(done -> {
      vertx.cancelTimer(entry.timer);
      inFlight.remove(entry);
    });
    return answer.future();
  }

  /** The session ended: every call still awaiting the device fails as DEVICE_OFFLINE. */
  public void close() {
    closed = true;
    for (InFlight entry : List.copyOf(inFlight)) {
      entry.call.cancel();
      entry.answer.tryFail(new DeviceFailure(Kind.DEVICE_OFFLINE, "the device went offline before answering"));
    }
  }

  private static final class InFlight {
    final DeviceCall call;
    final Promise<String> answer;
    long timer;

    InFlight(DeviceCall call, Promise<String> answer) {
      this.call = call;
      this.answer = answer;
    }
  }
}
