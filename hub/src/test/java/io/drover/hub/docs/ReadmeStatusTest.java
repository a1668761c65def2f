package io.drover.hub.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README says what is there, and the tree agrees: it had called CoAP "soon" and the Map page
 * "still to come" long after both were built. What counts as there is read from the tree itself: the
 * device transports are the gateway's packages that hold a {@code *Listener}; the Console's pages are
 * the sidebar's sections (pages/shell.js) that the router (app.js) gives a page; the docs are the files
 * and their headings. The README must name each of them, name nothing else as one of them, and never
 * put one of them in a clause that says it is yet to come.
 */
class ReadmeStatusTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path CONSOLE = ROOT.resolve("hub/src/main/resources/console/assets");
  /** Words that say something is not there yet. */
  private static final Pattern FUTURE = Pattern.compile("(?i)\\b(soon|to come|not yet|yet|coming|planned|later|in the future)\\b");
  /** Protocols a device could connect with; the README may name one as a transport only if the gateway has its listener. */
  private static final List<String> DEVICE_PROTOCOLS = List.of("MQTT", "CoAP", "LwM2M", "AMQP", "WebSocket", "STOMP", "XMPP");
  /** "the Map page", "the Billing pages", "the SIM cards page": the page's name as the Console writes it. */
  private static final Pattern NAMED_PAGE = Pattern.compile("\\b([A-Z][A-Za-z]*(?: [a-z]+)?) pages?\\b");
  private static final Pattern SIDEBAR_ENTRY = Pattern.compile("\\{ id: '([a-z-]+)', label: '([^']+)'");
  private static final Pattern ROUTE = Pattern.compile("\\{ pattern: /(.*?)/, page: \\w+(?:, section: '([a-z-]+)')?");
  private static final Pattern DOC_SECTION = Pattern.compile("`?((?:docs|docker|dashboards)/[a-z-]+\\.md|[a-z-]+\\.md)`?,? (?:section )?\"([^\"]+)\"");
  private static final Pattern BACKTICKED_PATH = Pattern.compile("`((?:bin|docs|docker|dashboards|hub|gateway|coap-protocol|load-tests)/[^` ]*)`");

  @Test
  void everyTransportTheGatewayListensWithIsNamedAndNoOther() throws IOException {
    String readme = readme();
    Set<String> listened = transports();
    assertTrue(listened.size() >= 2, "the gateway's transports: " + listened);
    String connect = readme.lines().dropWhile(line -> !line.contains("Devices connect over")).limit(2).collect(Collectors.joining(" "));
    String status = presentClauses(section(readme, "Status"));
    for (String text : List.of(presentClauses(connect), status)) {
      assertEquals(listened, protocolsIn(text), "the device transports the README names as there, against the gateway's listeners, in: " + text);
    }
  }

  @Test
  void everyConsolePageTheRouterServesIsNamedAndNoOther() throws IOException {
    String status = section(readme(), "Status");
    Map<String, String> built = builtPages();
    assertTrue(built.containsKey("Devices") && built.containsKey("Map"), "pages read from shell.js and app.js: " + built);
    Set<String> named = new TreeSet<>();
    List<String> unknown = new ArrayList<>();
    Matcher matcher = NAMED_PAGE.matcher(presentClauses(status));
    while (matcher.find()) {
      String name = matcher.group(1);
      if (built.containsKey(name)) {
        named.add(name);
      } else if (!name.equals("Console")) {
        unknown.add(name);
      }
    }
    assertEquals(List.of(), unknown, "the README's status names pages the Console's router does not serve (pages built: " + built.keySet() + ")");
    assertEquals(built.keySet(), named, "the Console's pages (sidebar label, routed in app.js) against those the README's status names \"X page\"");
  }

  @Test
  void nothingThereIsSaidToBeComing() throws IOException {
    String readme = readme();
    Set<String> there = new TreeSet<>(transports());
    builtPages().keySet().forEach(page -> there.add(page + " page"));
    List<String> wrong = new ArrayList<>();
    for (String clause : clauses(readme)) {
      if (FUTURE.matcher(clause).find()) {
        for (String thing : there) {
          if (Pattern.compile("\\b" + Pattern.quote(thing) + "\\b").matcher(clause).find()) {
            wrong.add(thing + ": \"" + clause.strip() + "\"");
          }
        }
      }
    }
    assertEquals(List.of(), wrong, "the README says these are still to come; the tree has them");
  }

  @Test
  void everyPathAndDocSectionTheReadmeNamesExists() throws IOException {
    String readme = readme();
    List<String> missing = new ArrayList<>();
    Matcher path = BACKTICKED_PATH.matcher(readme);
    int paths = 0;
    while (path.find()) {
      paths++;
      if (!Files.exists(ROOT.resolve(path.group(1)))) {
        missing.add("`" + path.group(1) + "`");
      }
    }
    Matcher reference = DOC_SECTION.matcher(readme.replace('\n', ' '));
    int sections = 0;
    while (reference.find()) {
      sections++;
      Path doc = document(reference.group(1));
      if (!Files.exists(doc)) {
        missing.add(reference.group(1));
      } else if (!headings(doc).contains(reference.group(2))) {
        missing.add(reference.group(1) + ", \"" + reference.group(2) + "\" (a heading of " + ROOT.relativize(doc) + "?)");
      }
    }
    Set<String> docs = new TreeSet<>();
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      files.filter(file -> file.toString().endsWith(".md")).forEach(file -> docs.add(file.getFileName().toString()));
    }
    String docsRow = readme.lines().filter(line -> line.startsWith("| `docs/`")).findFirst().orElse("");
    for (String doc : docs) {
      if (!docsRow.contains("`" + doc + "`")) {
        missing.add("docs/" + doc + " in the row of `docs/` of \"What is here\"");
      }
    }
    assertTrue(paths >= 5 && sections >= 3, "paths " + paths + ", doc sections " + sections + ": the patterns no longer read the README");
    assertEquals(List.of(), missing, "the README names what the tree lacks, or lacks what docs/ has");
  }

  @Test
  void theChecksSeeAComingTransportAndAPageThatIsNotThere() throws IOException {
    String coming = "Devices connect over MQTT; CoAP is coming soon. The Map page is still to come.";
    Set<String> there = Set.of("MQTT", "CoAP", "Map page");
    List<String> flagged = new ArrayList<>();
    for (String clause : clauses(coming)) {
      for (String thing : there) {
        if (FUTURE.matcher(clause).find() && clause.contains(thing)) {
          flagged.add(thing);
        }
      }
    }
    assertEquals(List.of("CoAP", "Map page"), flagged.stream().sorted().toList());
    assertEquals(Set.of("MQTT"), protocolsIn(presentClauses(coming)));
    Matcher page = NAMED_PAGE.matcher("the Console's Ledger page and a device page");
    assertTrue(page.find());
    assertEquals("Ledger", page.group(1));
    assertFalse(builtPages().containsKey("Ledger"), "a page the Console does not have: the check above would flag it");
    assertTrue(builtPages().containsKey("Settings"), "the Settings page the README names");
  }

  /** The gateway's transports: its packages that hold a listener, by the protocol's usual spelling. */
  private static Set<String> transports() throws IOException {
    Path base = ROOT.resolve("gateway/src/main/java/io/drover/gateway");
    Set<String> found = new TreeSet<>();
    try (Stream<Path> files = Files.walk(base)) {
      files.filter(file -> file.getFileName().toString().endsWith("Listener.java")).forEach(file -> {
        String pkg = file.getParent().getFileName().toString();
        String protocol = DEVICE_PROTOCOLS.stream().filter(p -> p.toLowerCase(Locale.ROOT).equals(pkg)).findFirst()
            .orElseThrow(() -> new AssertionError("a listener in package ." + pkg + " speaks no protocol this test knows: add it to DEVICE_PROTOCOLS"));
        found.add(protocol);
      });
    }
    return found;
  }

  private static Set<String> protocolsIn(String text) {
    return DEVICE_PROTOCOLS.stream().filter(p -> Pattern.compile("\\b" + p + "\\b").matcher(text).find()).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * The Console's pages by their sidebar label: the sections of shell.js (the Console's and a
   * product's) that a route of app.js's ROUTES shows a page for.
   */
  static Map<String, String> builtPages() throws IOException {
    String shell = Files.readString(CONSOLE.resolve("pages/shell.js"));
    String app = Files.readString(CONSOLE.resolve("app.js"));
    Set<String> routed = new TreeSet<>();
    Matcher route = ROUTE.matcher(app);
    while (route.find()) {
      if (route.group(2) != null) {
        routed.add(route.group(2));
      }
    }
    Map<String, String> pages = new LinkedHashMap<>();
    Matcher entry = SIDEBAR_ENTRY.matcher(shell);
    while (entry.find()) {
      if (routed.contains(entry.group(1))) {
        pages.put(entry.group(2), entry.group(1));
      }
    }
    return pages;
  }

  private static String readme() throws IOException {
    return Files.readString(ROOT.resolve("README.md"));
  }

  private static String section(String markdown, String heading) {
    int start = markdown.indexOf("\n## " + heading + "\n");
    assertTrue(start >= 0, "no section \"" + heading + "\" in the README");
    int end = markdown.indexOf("\n## ", start + 1);
    return markdown.substring(start, end < 0 ? markdown.length() : end);
  }

  /** The text cut at sentence and clause ends: a "not yet" speaks of its own clause only. */
  private static List<String> clauses(String text) {
    return List.of(text.replace('\n', ' ').split("(?<=[.;:])\\s+|[()]"));
  }

  private static String presentClauses(String text) {
    return clauses(text).stream().filter(clause -> !FUTURE.matcher(clause).find()).collect(Collectors.joining(" "));
  }

  private static Path document(String name) {
    Path path = ROOT.resolve(name);
    return name.contains("/") || Files.exists(path) ? path : ROOT.resolve("docs").resolve(name);
  }

  private static Set<String> headings(Path doc) throws IOException {
    return Files.readAllLines(doc).stream().filter(line -> line.startsWith("#")).map(line -> line.replaceFirst("^#+\\s*", "").strip())
        .collect(Collectors.toSet());
  }
}
