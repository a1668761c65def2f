package io.drover.gateway.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.drover.gateway.contract.DeviceDescription;
import io.drover.gateway.contract.DeviceFailure;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParticleDescriptionTest {

  @Test
  void virtualDevicesDescribeBecomesADroverDescriptionAndItsTypes() {
    ParticleDescription read = ParticleDescription.read(bytes("{\"f\":[\"setName\"],\"v\":{\"counter\":2,\"name\":4,\"temp\":9,\"armed\":1}}"));

    DeviceDescription description = DeviceDescription.parse("d", read.description().toString());
    assertEquals(List.of("setName"), description.functions());
    assertEquals(Map.of("counter", "int", "name", "string", "temp", "double", "armed", "bool"), description.variables());
    assertEquals(Map.of("counter", 2, "name", 4, "temp", 9, "armed", 1), read.variableTypes());
  }

  @Test
  void anApplicationWithoutVariablesOrFunctionsIsDescribedEmpty() {
    ParticleDescription read = ParticleDescription.read(bytes("{}"));

    assertEquals(new JsonObject().put("f", new io.vertx.core.json.JsonArray()).put("v", new JsonObject()), read.description().toJsonObject());
    assertEquals(Map.of(), read.variableTypes());
  }

  @Test
  void typesOtherThanDeviceOsOnesAndNonJsonAreRefusedAsMalformed() {
    DeviceFailure unknownType = assertThrows(DeviceFailure.class, () -> ParticleDescription.read(bytes("{\"v\":{\"x\":3}}")));
    assertEquals(DeviceFailure.Kind.MALFORMED_PAYLOAD, unknownType.kind());
    assertEquals("variable x has type 3; the types are 1 (bool), 2 (int), 4 (string) and 9 (double)", unknownType.getMessage());

    DeviceFailure named = assertThrows(DeviceFailure.class, () -> ParticleDescription.read(bytes("{\"v\":{\"x\":\"double\"}}")));
    assertEquals("variable x has type double; Device OS types are numbers", named.getMessage());

    DeviceFailure notJson = assertThrows(DeviceFailure.class, () -> ParticleDescription.read(new byte[] {0x0a, 0x19, 0x08}));
    assertEquals(DeviceFailure.Kind.MALFORMED_PAYLOAD, notJson.kind());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
