package io.drover.gateway.mqtt;

import io.drover.gateway.contract.DeviceFailure;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;

/** The one place where a {@link DeviceFailure.Kind} becomes an MQTT code, for 3.1.1 and for 5. */
final class MqttReplies {

  static final int MQTT_5 = 5;

  private MqttReplies() {
  }

  /**
   * CONNACK return codes: MQTT 3.1.1 section 3.2.2.3, MQTT 5 section 3.2.2.2. An unknown device gets
   * the same answer as a wrong secret, so that device IDs cannot be probed.
   */
  static MqttConnectReturnCode connectRefusal(DeviceFailure.Kind kind, int protocolVersion) {
    boolean v5 = protocolVersion == MQTT_5;
    return switch (kind) {
      case MALFORMED_IDENTITY -> v5
          ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
          : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED;
      case UNKNOWN_DEVICE, BAD_CREDENTIALS -> v5
          ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
          : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
      case NOT_ALLOWED, BAD_CERTIFICATE -> v5
          ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
          : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
      case OVERLOADED -> v5
          ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY
          : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
      case QUOTA_EXCEEDED -> v5
          ? MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED
          : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
      case PAYLOAD_TOO_LARGE, MALFORMED_PAYLOAD, BAD_TOPIC, UNAVAILABLE, DEVICE_OFFLINE, DEVICE_TIMEOUT -> v5
          ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
          : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
    };
  }

  /** MQTT 5 PUBACK reason codes (section 3.4.2.1) for a refused event. */
  static MqttPubAckReasonCode publishRefusal(DeviceFailure.Kind kind) {
    return switch (kind) {
      case BAD_TOPIC -> MqttPubAckReasonCode.TOPIC_NAME_INVALID;
      case OVERLOADED, QUOTA_EXCEEDED -> MqttPubAckReasonCode.QUOTA_EXCEEDED;
      case NOT_ALLOWED, UNKNOWN_DEVICE, BAD_CREDENTIALS, BAD_CERTIFICATE -> MqttPubAckReasonCode.NOT_AUTHORIZED;
      case MALFORMED_PAYLOAD, MALFORMED_IDENTITY -> MqttPubAckReasonCode.PAYLOAD_FORMAT_INVALID;
      case PAYLOAD_TOO_LARGE, UNAVAILABLE, DEVICE_OFFLINE, DEVICE_TIMEOUT -> MqttPubAckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR;
    };
  }
}
