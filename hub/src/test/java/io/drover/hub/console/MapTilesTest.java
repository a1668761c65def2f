package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.launcher.ConfigException;
import io.drover.hub.launcher.NodeConfig;
import io.drover.hub.support.TestNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** console.map-tiles: validated at start, its origin the only foreign image source of the Console's CSP. */
class MapTilesTest {

  @Test
  void theTemplateIsValidatedAndItsOriginTaken() {
    assertEquals("https://tile.openstreetmap.org", NodeConfig.from(List.of(), Map.of()).mapTiles().origin(), "OpenStreetMap by default");
    assertEquals("http://127.0.0.1:8081", MapTiles.parse("http://127.0.0.1:8081/t/{z}/{x}/{y}.png?k=a&b=c").origin());
    assertEquals(MapTiles.NONE, MapTiles.parse("  "), "empty: no tiles");
    assertNull(MapTiles.parse("https://tiles.example/{z}/{x}.png"), "no {y}");
    assertNull(MapTiles.parse("ftp://tiles.example/{z}/{x}/{y}.png"), "not http(s)");
    assertNull(MapTiles.parse("https://tiles.example/{z}/{x}/{y}.png\"><script>"), "no markup");
    ConfigException refused = assertThrows(ConfigException.class,
        () -> NodeConfig.from(List.of("--console.map-tiles=tiles.example/{z}/{x}/{y}"), Map.of()));
    assertTrue(refused.getMessage().startsWith("console.map-tiles must be empty or an http(s) URL template"), refused.getMessage());
  }

  @Test
  void theConsoleCarriesTheTemplateAndAllowsItsOriginOnly() throws Exception {
    String template = "https://tiles.example.com:8443/osm/{z}/{x}/{y}.png?key=a&style=b";
    try (TestNode node = TestNode.start("--console.map-tiles=" + template, "--console.map-attribution=© Example Maps <b>&</b>")) {
      HttpResponse<String> page = node.get("/products/fleet/map", null);
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("<meta name=\"drover-map-tiles\" content=\"" + template.replace("&", "&amp;") + "\">"), page.body());
      assertTrue(page.body().contains("<meta name=\"drover-map-attribution\" content=\"© Example Maps &lt;b&gt;&amp;&lt;/b&gt;\">"), page.body());
      String policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
      assertTrue(policy.contains("img-src 'self' data: https://tiles.example.com:8443;"), policy);
      assertTrue(policy.contains("connect-src 'self';"), "tiles are images, nothing else may reach the tile server: " + policy);
    }
    try (TestNode node = TestNode.start("--console.map-tiles=")) {
      HttpResponse<String> page = node.get("/products/fleet/map", null);
      assertTrue(page.body().contains("<meta name=\"drover-map-tiles\" content=\"\">"), page.body());
      assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow().contains("img-src 'self' data:;"));
    }
  }

  @Test
  void theAttributionIsOneLineCarriedAsText() {
    MapTiles osm = NodeConfig.from(List.of(), Map.of()).mapTiles();
    assertEquals("", osm.attribution(), "empty by default: the page words OpenStreetMap's for its servers");
    MapTiles carto = NodeConfig.from(List.of("--console.map-tiles=https://basemaps.example/{z}/{x}/{y}.png"),
        Map.of("DROVER_CONSOLE_MAP_ATTRIBUTION", " © OpenStreetMap contributors, © CARTO ")).mapTiles();
    assertEquals("© OpenStreetMap contributors, © CARTO", carto.attribution());
    assertEquals("a &amp; b &quot;c&quot; &lt;script&gt;", osm.withAttribution("a & b \"c\" <script>").attributionInAttribute(),
        "inside the meta tag's attribute it stays text");
    assertNull(osm.withAttribution("x".repeat(MapTiles.MAX_ATTRIBUTION + 1)), "too long");
    ConfigException refused = assertThrows(ConfigException.class,
        () -> NodeConfig.from(List.of(), Map.of("DROVER_CONSOLE_MAP_ATTRIBUTION", "one\ntwo")));
    assertTrue(refused.getMessage().startsWith("console.map-attribution must be one line"), refused.getMessage());
  }
}
