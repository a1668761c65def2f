package io.drover.hub.events.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The shared vectors (which the browser test also runs against the Console's filter) against EventFilter. */
class EventFilterVectorsTest {

  static JsonArray vectors() throws IOException {
    try (InputStream in = EventFilterVectorsTest.class.getResourceAsStream("/event-filter-vectors.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getJsonArray("vectors");
    }
  }

  @TestFactory
  List<DynamicTest> everyVectorHolds() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Object item : vectors()) {
      JsonObject vector = (JsonObject) item;
      String filter = vector.getString("filter");
      tests.add(DynamicTest.dynamicTest(vector.getString("why") + " [" + filter + "]", () -> {
        if (vector.getBoolean("error", false)) {
          assertThrows(FilterSyntaxException.class, () -> EventFilter.parse(filter));
          return;
        }
        JsonObject event = vector.getJsonObject("event");
        boolean matched = EventFilter.parse(filter).matches(event.getString("name"), event.getString("data"), event.getString("coreid"),
            event.getString("device_name"), Instant.parse(event.getString("published_at")).toEpochMilli());
        assertEquals(vector.getBoolean("match"), matched);
      }));
    }
    return tests;
  }

  @Test
  void theVectorsCoverEveryModifierErrorsAndOr() throws IOException {
    String all = vectors().encode();
    for (String needed : List.of("device:", "event:", "data:", "range:", "\"error\":true", "an OR")) {
      assertTrue(all.contains(needed), "vectors cover " + needed);
    }
  }

  @Test
  void anErrorSaysWhatToWrite() {
    FilterSyntaxException error = assertThrows(FilterSyntaxException.class, () -> EventFilter.parse("event:temperature range:20"));
    assertEquals("range needs two numbers, as in range:20-100", error.getMessage());
  }
}
