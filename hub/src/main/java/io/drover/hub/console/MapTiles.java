package io.drover.hub.console;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The raster tile server of the Console's Map page ({@code console.map-tiles}): a URL template with
 * {@code {z}}, {@code {x}} and {@code {y}}. Its origin is the one image source the Console's CSP allows
 * besides itself; an empty template means no tiles (the page draws a plain grid and says so). The
 * attribution ({@code console.map-attribution}) is the text the tiles' licence asks the map to show;
 * empty, the page words OpenStreetMap's for its servers and names the host of any other.
 */
public record MapTiles(String template, String origin, String attribution) {

  public static final MapTiles NONE = new MapTiles("", "", "");
  /** Longer than any licence's line, short enough for the map's corner. */
  public static final int MAX_ATTRIBUTION = 200;

  /** @return null when the text is neither empty nor an http(s) template with {z}, {x} and {y} */
  public static MapTiles parse(String text) {
    String template = text == null ? "" : text.trim();
    if (template.isEmpty()) {
      return NONE;
    }
    if (!template.contains("{z}") || !template.contains("{x}") || !template.contains("{y}")
        || template.contains("\"") || template.contains("'") || template.contains("<") || template.contains(" ")) {
      return null;
    }
    try {
      // the placeholders are not valid URI characters: check the template with them filled in
      URI uri = new URI(template.replace("{z}", "0").replace("{x}", "0").replace("{y}", "0"));
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
        return null;
      }
      String origin = scheme + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
      return new MapTiles(template, origin, "");
    } catch (URISyntaxException e) {
      return null;
    }
  }

  /** @return these tiles with {@code text} as their attribution; null when it is too long or holds a line break */
  public MapTiles withAttribution(String text) {
    String trimmed = text == null ? "" : text.trim();
    if (trimmed.length() > MAX_ATTRIBUTION || trimmed.contains("\n") || trimmed.contains("\r")) {
      return null;
    }
    return new MapTiles(template, origin, trimmed);
  }

  /** The attribution as the value of an HTML attribute: shown as text, never read as markup. */
  public String attributionInAttribute() {
    return attribution.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
