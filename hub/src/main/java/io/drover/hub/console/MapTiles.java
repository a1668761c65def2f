package io.drover.hub.console;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The raster tile server of the Console's Map page ({@code console.map-tiles}): a URL template with
 * {@code {z}}, {@code {x}} and {@code {y}}. Its origin is the one image source the Console's CSP allows
 * besides itself; an empty template means no tiles (the page draws a plain grid).
 */
public record MapTiles(String template, String origin) {

  public static final MapTiles NONE = new MapTiles("", "");

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
      return new MapTiles(template, origin);
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
