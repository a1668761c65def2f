package io.drover.hub.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * architecture.md's table of modules names every package of each module, and only those: a package
 * added, moved or removed without the table fails here (it had drifted to 6 of 24 hub packages).
 */
class ModulePackagesTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  /** A package in the table: {@code `io.drover.hub`}, {@code `.devices.claims`}. */
  private static final Pattern NAME = Pattern.compile("`(io\\.drover\\.[a-z.]+|\\.[a-z][a-z.]*)`");

  @Test
  void theTableOfModulesNamesEveryPackageOfTheGatewayAndTheHub() throws IOException {
    String architecture = Files.readString(ROOT.resolve("docs/architecture.md"));
    for (String module : new String[] {"gateway", "hub"}) {
      assertEquals(packagesIn(module), packagesNamed(architecture, module), "architecture.md, \"Modules\", the row of `" + module + "/`");
    }
  }

  @Test
  void theCheckSeesAPackageTheTableLacks() {
    String table = "| `hub/` (`drover-hub`) | `io.drover.hub` and `.launcher` | the fleet |\n";
    assertEquals(Set.of("io.drover.hub", "io.drover.hub.launcher"), packagesNamed(table, "hub"));
  }

  /** The packages of the module's main sources that hold a class (a directory of directories only is none). */
  private static Set<String> packagesIn(String module) throws IOException {
    Path base = ROOT.resolve(module).resolve("src/main/java");
    Set<String> packages = new TreeSet<>();
    try (Stream<Path> files = Files.walk(base)) {
      files.filter(file -> file.toString().endsWith(".java"))
          .forEach(file -> packages.add(base.relativize(file.getParent()).toString().replace('/', '.')));
    }
    assertTrue(packages.contains("io.drover." + module), "the module's own package, under " + base);
    return packages;
  }

  /** The packages the module's row names: the full names, and the ones written relative to its first. */
  private static Set<String> packagesNamed(String architecture, String module) {
    String row = architecture.lines().filter(line -> line.startsWith("| `" + module + "/`")).findFirst()
        .orElseThrow(() -> new AssertionError("no row for `" + module + "/` in the table of modules"));
    String cell = row.split("\\|")[2];
    Set<String> named = new TreeSet<>();
    Matcher matcher = NAME.matcher(cell);
    String base = "io.drover." + module;
    while (matcher.find()) {
      String name = matcher.group(1);
      named.add(name.startsWith(".") ? base + name : name);
    }
    return named;
  }
}
