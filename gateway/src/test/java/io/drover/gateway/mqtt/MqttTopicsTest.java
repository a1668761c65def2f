package io.drover.gateway.mqtt;

import io.drover.gateway.contract.DeviceEvent;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MqttTopicsTest {

  @Test
  void devicesMaySubscribeOnlyToTheirCloudToDeviceNamespace() {
    assertTrue(MqttTopics.isAllowedFilter("c/#"));
    assertTrue(MqttTopics.isAllowedFilter("#"));
    assertTrue(MqttTopics.isAllowedFilter("c/err"));
    assertTrue(MqttTopics.isAllowedFilter("c/f/+/+"));
    assertFalse(MqttTopics.isAllowedFilter("e/#"), "a device never receives events");
    assertFalse(MqttTopics.isAllowedFilter("+/err"));
    assertFalse(MqttTopics.isAllowedFilter("c/#/x"), "# must be last");
    assertFalse(MqttTopics.isAllowedFilter("c/f+"), "+ must fill its level");
  }

  @Test
  void filtersMatchAsMqttSection4_7Says() {
    assertTrue(MqttTopics.matches("c/#", "c/err"));
    assertTrue(MqttTopics.matches("c/#", "c"));
    assertTrue(MqttTopics.matches("#", "c/err"));
    assertTrue(MqttTopics.matches("c/+", "c/err"));
    assertTrue(MqttTopics.matches("c/f/+/+", "c/f/led/17"));
    assertTrue(MqttTopics.matches("c/err", "c/err"));
    assertFalse(MqttTopics.matches("c/+", "c/f/led"));
    assertFalse(MqttTopics.matches("c/er", "c/err"));
    assertFalse(MqttTopics.matches("c/err/x", "c/err"));
  }

  @Test
  void eventNamesAreOneTo64CharactersWithoutControlCharacters() {
    assertTrue(DeviceEvent.isValidName("e/temperature", 2));
    assertTrue(DeviceEvent.isValidName("e/spark/device/last_reset", 2));
    assertTrue(DeviceEvent.isValidName("e/" + "n".repeat(64), 2));
    assertFalse(DeviceEvent.isValidName("e/" + "n".repeat(65), 2));
    assertFalse(DeviceEvent.isValidName("e/", 2));
    assertFalse(DeviceEvent.isValidName("e/a\nb", 2));
    assertFalse(DeviceEvent.isValidName("e/a\u007fb", 2));
  }
}
