package io.drover.gateway.mqtt;

import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.impl.MqttEndpointImpl;
import java.lang.reflect.Field;

/**
 * Drops what vertx-mqtt's endpoint keeps of a CONNECT once {@link MqttConnection} has read it: the user
 * name and password (the device's secret, in clear text) and the will (Drover does not take wills).
 * The endpoint would hold them for as long as the connection lives: about 190 bytes of an idle session's
 * heap, and a secret in every heap dump. Nothing reads them after the CONNECT: vertx-mqtt only hands them
 * out through {@code auth()} and {@code will()}, which then answer null.
 *
 * <p>They are final fields of {@link MqttEndpointImpl}, set here through reflection on the connection's
 * event loop; should a vertx-mqtt upgrade move them, the listener fails to start (and every MQTT test
 * with it), as for {@link MqttAcceptor}'s other reach into vertx-mqtt.
 */
final class ConnectDetails {

  private static final Field AUTH;
  private static final Field WILL;

  static {
    try {
      AUTH = MqttEndpointImpl.class.getDeclaredField("auth");
      AUTH.setAccessible(true);
      WILL = MqttEndpointImpl.class.getDeclaredField("will");
      WILL.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("vertx-mqtt's MqttEndpointImpl does not keep the CONNECT's details where the MQTT listener expects them", e);
    }
  }

  private ConnectDetails() {
  }

  /** Loads the class: fails the listener's start, not a connection, when vertx-mqtt has moved what it reaches. */
  static void check() {
    // the static initializer does the work
  }

  /** Forgets the endpoint's user name, password and will; call once they have been read. */
  static void forget(MqttEndpoint endpoint) {
    if (!(endpoint instanceof MqttEndpointImpl impl)) {
      return;
    }
    try {
      AUTH.set(impl, null);
      WILL.set(impl, null);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot clear the CONNECT's details of an MQTT endpoint", e);
    }
  }
}
