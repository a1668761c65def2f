package io.drover.gateway.mqtt;

import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.pipeline.ConnectionClose;
import io.drover.gateway.pipeline.SessionPipeline;
import io.drover.gateway.pipeline.WireBytes;
import io.drover.gateway.session.ConnectionBudget;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.impl.MqttServerConnection;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLException;

/**
 * Takes the TCP connections of one MQTT listener instance, before vertx-mqtt sees them, for what its
 * {@code MqttServer} cannot do:
 *
 * <ul>
 *   <li>A connection is counted against the {@link ConnectionBudget} from its accept, not from its
 *       CONNECT: a flood of TLS handshakes, or of connections that never send a CONNECT, holds file
 *       descriptors as surely as sessions do. Past the budget a plain connection is kept just long
 *       enough to be answered CONNACK "server unavailable" (a few at a time per instance, two seconds
 *       at most); one on the TLS port, or past those few, is closed at once, before any handshake.
 *   <li>The TLS handshake is this class's ({@link MqttSettings#tlsContext}), so that it is bounded in
 *       time: a connection that has not sent its CONNECT within {@code mqtt.connect-timeout} of its
 *       accept, handshake included, is closed.
 *   <li>A packet that is not MQTT, a failed handshake and a packet before CONNECT end in one counted,
 *       sampled line ({@link SessionPipeline#connectionClosed}) instead of an unthrottled ERROR with a
 *       stack trace from Vert.x.
 *   <li>The connection's socket reaches its {@link MqttConnection}, for TCP backpressure (pausing
 *       reads) and the state of its write queue.
 *   <li>The socket writes straight to its channel ({@link EventLoopWrites}), without the 4.7 KB
 *       multi-producer write queue Vert.x gives every socket.
 *   <li>The keep-alive rule is this instance's one {@link KeepAlives} wheel, not the
 *       {@code IdleStateHandler} and handler vertx-mqtt puts in a connection's pipeline at a CONNECT
 *       that asks for a keep-alive: the CONNECT reaches vertx-mqtt with a keep-alive of 0, so that it
 *       installs neither, and the client's own value goes to the wheel.
 * </ul>
 *
 * The MQTT protocol itself stays vertx-mqtt's: its decoder, encoder and {@link MqttServerConnection},
 * wired as its {@code MqttServerImpl} does. That class hands decoded packets over through a
 * package-private method, reached here once through a {@link MethodHandle}; should a vertx-mqtt upgrade
 * move it, the listener fails to start, and every MQTT test fails with it. Every method runs on the
 * event loop of the listener instance.
 */
final class MqttAcceptor {

  /** Connections past the budget one instance keeps at once to answer their CONNECT with "server unavailable". */
  static final int REFUSALS_HELD = 16;
  static final long REFUSAL_DEADLINE_MILLIS = 2_000;
  private static final MethodHandle HANDLE_MESSAGE = handleMessage();
  /** The stage vertx-mqtt's {@link MqttServerConnection} removes by name at a CONNECT (and adds again for a keep-alive). */
  static final String VERTX_MQTT_IDLE = "idle";

  private final Context context;
  private final MqttServerOptions options;
  private final MqttSettings settings;
  /** Null on the plain port. */
  private final SslContext tls;
  private final SessionPipeline pipeline;
  /** The connections of this instance, from accept to close: the {@code drover.listener.connections} gauge. */
  private final AtomicInteger held;
  private final KeepAlives keepAlives;
  private int refusalsHeld;

  MqttAcceptor(Context context, MqttServerOptions options, MqttSettings settings, SslContext tls, SessionPipeline pipeline, AtomicInteger held) {
    this.context = context;
    this.options = options;
    this.settings = settings;
    this.tls = tls;
    this.pipeline = pipeline;
    this.held = held;
    this.keepAlives = new KeepAlives(context.owner());
  }

  /** A TCP connection was accepted; nothing has been read from it yet. */
  void accept(NetSocket accepted) {
    NetSocketInternal socket = (NetSocketInternal) accepted;
    // before anything is written: the socket's writes all run here, on this event loop
    EventLoopWrites.install(socket);
    Channel channel = socket.channelHandlerContext().channel();
    String remote = socket.remoteAddress() == null ? null : socket.remoteAddress().host();
    ConnectionBudget budget = pipeline.budget();
    boolean admitted = budget.tryAcquire();
    boolean toRefuse = !admitted && tls == null && refusalsHeld < REFUSALS_HELD;
    held.incrementAndGet();
    if (toRefuse) {
      refusalsHeld++;
    }
    Accepted connection = new Accepted(socket, remote, admitted, toRefuse);
    channel.closeFuture().addListener(connection);
    if (!admitted && !toRefuse) {
      pipeline.connectRefused(Kind.OVERLOADED, null, remote, "this gateway holds its limit of " + budget.limit() + " connections");
      socket.close();
      return;
    }
    socket.exceptionHandler(connection);
    ChannelPipeline stages = socket.channelHandlerContext().pipeline();
    if (tls != null) {
      // a handshake that times out is closed by Netty without an exception: its outcome comes as an event
      // (only over TLS: a plain connection has no handshake, and holds no handler for it)
      socket.eventHandler(event -> {
        if (event instanceof SslHandshakeCompletionEvent outcome && !outcome.isSuccess()) {
          failed(connection, null, outcome.cause());
        }
      });
      SslHandler handshake = tls.newHandler(channel.alloc());
      handshake.setHandshakeTimeoutMillis(settings.connectTimeout().toMillis());
      stages.addFirst("ssl", handshake);
    }
    // outermost, next to the socket: the bytes on the wire, TLS records included (a SIM's data usage)
    stages.addFirst(WireCounter.NAME, new WireCounter(connection.bytes));
    // as vertx-mqtt's MqttServerImpl.initChannel; its connection removes "idle" and "timeoutOnConnect" by
    // name at CONNECT, so they are here, empty: the deadline below bounds the time to CONNECT instead
    stages.addBefore("handler", "mqttEncoder", MqttEncoder.INSTANCE);
    stages.addBefore("handler", "mqttDecoder", new MqttDecoder(options.getMaxMessageSize(), options.getMaxClientIdLength()));
    stages.addBefore("handler", VERTX_MQTT_IDLE, new ChannelDuplexHandler());
    stages.addBefore("handler", "timeoutOnConnect", new ChannelDuplexHandler());
    MqttServerConnection mqtt = new MqttServerConnection(socket, endpoint -> connected(connection, endpoint), error -> { }, options);
    socket.messageHandler(message -> {
      connection.heard = keepAlives.now(); // a packet read: the keep-alive rule counts from it
      Object handed = message;
      if (message instanceof MqttConnectMessage connect && connect.variableHeader().keepAliveTimeSeconds() != 0) {
        // the wheel keeps the client's keep-alive from this tick on; vertx-mqtt sees none (withoutKeepAlive)
        keepAlives.watch(connection, connect.variableHeader().keepAliveTimeSeconds());
        handed = withoutKeepAlive(connect);
      }
      synchronized (mqtt) {
        try {
          HANDLE_MESSAGE.invokeExact(mqtt, handed);
        } catch (Throwable error) {
          // vertx-mqtt throws for a packet before CONNECT; nothing of it may reach Vert.x as an unhandled exception
          failed(connection, null, error);
        }
      }
    });
    long deadline = toRefuse ? REFUSAL_DEADLINE_MILLIS : settings.connectTimeout().toMillis();
    connection.deadline = context.owner().setTimer(deadline, id -> {
      if (!connection.connected && !connection.failed) {
        connection.failed = true; // the handshake that fails with the close is not counted again
        pipeline.connectionClosed(ConnectionClose.CONNECT_TIMEOUT, null, remote, "no CONNECT within " + deadline + " ms of the accept");
        socket.close();
      }
    });
  }

  /**
   * The CONNECT arrived (called by vertx-mqtt while it handles the CONNECT): the session's own class
   * takes over. The wheel already watches the connection; its endpoint answers a keep-alive of 0.
   */
  private void connected(Accepted connection, MqttEndpoint endpoint) {
    connection.connected = true;
    context.owner().cancelTimer(connection.deadline);
    connection.endpoint = endpoint;
    new MqttConnection(endpoint, connection.socket, context, pipeline, settings, connection.admitted, connection, connection.bytes).open();
  }

  /**
   * The CONNECT as vertx-mqtt is to see it: the same in all but its keep-alive, 0. vertx-mqtt would
   * otherwise put an {@code IdleStateHandler} (with its scheduled task) and a handler of its own in the
   * pipeline for every such CONNECT (two stages added, a task scheduled), only for them to be taken out
   * again. Nothing else of vertx-mqtt reads the value; the wheel keeps the client's.
   */
  static MqttConnectMessage withoutKeepAlive(MqttConnectMessage connect) {
    MqttConnectVariableHeader header = connect.variableHeader();
    MqttConnectVariableHeader noKeepAlive = new MqttConnectVariableHeader(header.name(), header.version(), header.hasUserName(),
        header.hasPassword(), header.isWillRetain(), header.willQos(), header.isWillFlag(), header.isCleanSession(), 0,
        header.properties());
    return new MqttConnectMessage(connect.fixedHeader(), noKeepAlive, connect.payload());
  }

  /**
   * The connection failed below the session: a handshake, a packet that is not MQTT, the network. Counted
   * and logged (sampled) once per connection, and closed.
   */
  private void failed(Accepted connection, String deviceId, Throwable error) {
    if (connection.failed) {
      return;
    }
    connection.failed = true;
    ConnectionClose reason = closeReason(error);
    if (reason != null) {
      pipeline.connectionClosed(reason, deviceId, connection.remote, describe(error));
    }
    connection.socket.close();
  }

  /** @return why the gateway closes a connection after {@code error}; null for the network's own failures (a reset) */
  static ConnectionClose closeReason(Throwable error) {
    if (error instanceof NotSslRecordException) {
      return ConnectionClose.TLS_HANDSHAKE_FAILED;
    }
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLException) {
        return ConnectionClose.TLS_HANDSHAKE_FAILED;
      }
      if (cause instanceof IOException) {
        return null;
      }
    }
    return ConnectionClose.MALFORMED_PACKET;
  }

  private static String describe(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private static MethodHandle handleMessage() {
    try {
      return MethodHandles.privateLookupIn(MqttServerConnection.class, MethodHandles.lookup())
          .findVirtual(MqttServerConnection.class, "handleMessage", MethodType.methodType(void.class, Object.class));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("vertx-mqtt's MqttServerConnection.handleMessage(Object) is not where the gateway expects it", e);
    }
  }

  /**
   * One accepted connection, from its accept to its close. It is also the connection's close listener and
   * where its errors go (the socket's, and its {@link MqttConnection}'s with the device ID): one object
   * per connection instead of a lambda for each, which an idle session would hold as long as it lives.
   */
  private final class Accepted extends KeepAlives.Entry implements ChannelFutureListener, Handler<Throwable>, BiConsumer<String, Throwable> {
    final NetSocketInternal socket;
    final String remote;
    final boolean admitted;
    /** Past the budget, kept to be answered "server unavailable". */
    final boolean toRefuse;
    /** What the connection moves on the wire, from its accept: its session meters it. */
    final WireBytes bytes = new WireBytes();
    long deadline = -1;
    /** Set at the CONNECT, for the keep-alive's close. */
    MqttEndpoint endpoint;
    boolean connected;
    boolean failed;

    Accepted(NetSocketInternal socket, String remote, boolean admitted, boolean toRefuse) {
      this.socket = socket;
      this.remote = remote;
      this.admitted = admitted;
      this.toRefuse = toRefuse;
    }

    /** The channel closed. */
    @Override
    public void operationComplete(ChannelFuture closed) {
      held.decrementAndGet();
      if (admitted) {
        pipeline.budget().release();
      }
      if (toRefuse) {
        refusalsHeld--;
      }
      context.owner().cancelTimer(deadline);
      keepAlives.forget(this);
    }

    /**
     * Silent for 1.5 times its keep-alive: closed through its endpoint, as vertx-mqtt's own keep-alive
     * handler did (MQTT 3.1.1 section 3.1.2.10); the session ends as for any close.
     */
    @Override
    void keepAliveExpired() {
      if (endpoint == null) {
        socket.close();
        return;
      }
      try {
        endpoint.close();
      } catch (IllegalStateException alreadyClosed) {
        socket.close();
      }
    }

    /** The socket failed. */
    @Override
    public void handle(Throwable error) {
      failed(this, null, error);
    }

    /** The session failed below it, once the device ID is known. */
    @Override
    public void accept(String deviceId, Throwable error) {
      failed(this, deviceId, error);
    }
  }
}
