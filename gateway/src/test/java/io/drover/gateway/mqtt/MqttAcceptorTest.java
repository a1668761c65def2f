package io.drover.gateway.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The CONNECT vertx-mqtt is handed: the client's in all but its keep-alive, which the listener's wheel
 * keeps instead (MqttKeepAliveTest shows the rule still holds over a real client).
 */
class MqttAcceptorTest {

  @Test
  void theConnectHandedToVertxMqttAsksForNoKeepAliveAndKeepsEverythingElse() {
    // given an MQTT 3.1.1 CONNECT with credentials, a will, a persistent session and a keep-alive of 45 s
    MqttConnectMessage connect = MqttMessageBuilders.connect()
        .protocolVersion(MqttVersion.MQTT_3_1_1)
        .clientId("device-1")
        .username("device-1")
        .password("secret".getBytes(StandardCharsets.UTF_8))
        .willFlag(true)
        .willTopic("e/gone")
        .willMessage("bye".getBytes(StandardCharsets.UTF_8))
        .willQoS(MqttQoS.AT_LEAST_ONCE)
        .willRetain(true)
        .cleanSession(false)
        .keepAlive(45)
        .build();

    // when it is rewritten
    MqttConnectMessage handed = MqttAcceptor.withoutKeepAlive(connect);

    // then only the keep-alive differs
    MqttConnectVariableHeader before = connect.variableHeader();
    MqttConnectVariableHeader after = handed.variableHeader();
    assertEquals(45, before.keepAliveTimeSeconds());
    assertEquals(0, after.keepAliveTimeSeconds());
    assertEquals(before.name(), after.name());
    assertEquals(before.version(), after.version());
    assertEquals(before.hasUserName(), after.hasUserName());
    assertEquals(before.hasPassword(), after.hasPassword());
    assertEquals(before.isWillFlag(), after.isWillFlag());
    assertEquals(before.willQos(), after.willQos());
    assertEquals(before.isWillRetain(), after.isWillRetain());
    assertEquals(before.isCleanSession(), after.isCleanSession());
    assertSame(before.properties(), after.properties());
    assertSame(connect.fixedHeader(), handed.fixedHeader());
    assertSame(connect.payload(), handed.payload());
    assertEquals(connect.decoderResult(), handed.decoderResult());
  }

  @Test
  void anMqtt5ConnectKeepsItsProperties() {
    // given an MQTT 5 CONNECT with a session expiry property and a keep-alive of 30 s
    MqttProperties properties = new MqttProperties();
    properties.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 120));
    MqttConnectMessage connect = MqttMessageBuilders.connect()
        .protocolVersion(MqttVersion.MQTT_5)
        .clientId("device-2")
        .properties(properties)
        .keepAlive(30)
        .build();

    // when it is rewritten, then the properties and the protocol level stay, the keep-alive is 0
    MqttConnectMessage handed = MqttAcceptor.withoutKeepAlive(connect);
    assertEquals(0, handed.variableHeader().keepAliveTimeSeconds());
    assertEquals(MqttVersion.MQTT_5.protocolLevel(), handed.variableHeader().version());
    assertEquals(120, handed.variableHeader().properties().getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value()).value());
  }
}
