package io.drover.hub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The static checks of {@code docker/}: the Dockerfile's stages, user, volume and health check; the
 * compose file's three nodes, agreeing with each other (cluster members, certificates), with
 * Prometheus's targets and on loopback only; and {@code docker-compose config} accepting the file.
 * The images are built and run by {@code docker/test.sh}, which needs a Docker engine.
 */
class DockerFilesTest {

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path DOCKER = ROOT.resolve("docker");

  @Test
  void dockerfileBuildsWithMavenAndRunsOnASwappableJreAsANonRootUser() throws IOException {
    List<String> lines = instructions(DOCKER.resolve("Dockerfile"));
    int firstFrom = indexOf(lines, "FROM ");
    List<String> globalArgs = lines.subList(0, firstFrom);
    assertTrue(globalArgs.stream().anyMatch(l -> l.startsWith("ARG BUILD_IMAGE=")), "ARG BUILD_IMAGE before the first FROM: " + globalArgs);
    assertTrue(globalArgs.stream().anyMatch(l -> l.startsWith("ARG BASE_IMAGE=")), "ARG BASE_IMAGE before the first FROM: " + globalArgs);

    List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
    assertTrue(globalArgs.contains("ARG JAR_STAGE=build"), "Maven builds the jar unless told otherwise: " + globalArgs);
    assertEquals(List.of("FROM ${BUILD_IMAGE} AS build", "FROM scratch AS prebuilt", "FROM ${JAR_STAGE} AS jar", "FROM ${BASE_IMAGE} AS run"),
        froms, "the stages: Maven's, the prebuilt jar's, the one chosen, the runtime");
    List<String> build = lines.subList(firstFrom, indexOf(lines, "FROM scratch"));
    List<String> run = lines.subList(indexOf(lines, "FROM ${BASE_IMAGE}"), lines.size());
    assertTrue(build.stream().anyMatch(l -> l.startsWith("RUN mvn ") && l.contains("-pl hub -am package")), "Maven packages the hub: " + build);
    for (String copy : build.stream().filter(l -> l.startsWith("COPY ")).toList()) {
      String[] parts = copy.split("\\s+");
      for (int i = 1; i < parts.length - 1; i++) {
        assertTrue(Files.exists(ROOT.resolve(parts[i])), "the build stage copies " + parts[i] + ", which the repository has");
      }
    }
    assertTrue(run.contains("COPY --from=jar /src/hub/target/drover.jar /opt/drover/drover.jar"), "the jar from the chosen stage: " + run);

    String user = last(run, "USER ");
    assertFalse(user.matches("USER (root|0)(:.*)?"), "runs as a non-root user: " + user);
    assertTrue(run.stream().anyMatch(l -> l.contains("useradd") && l.contains("drover")), "the user is made in the image");
    assertEquals("VOLUME /var/lib/drover", last(run, "VOLUME "), "the data dir is a volume");
    assertEquals("ENV DROVER_DATA_DIR=/var/lib/drover", last(run, "ENV DROVER_DATA_DIR"), "the node's data dir is the volume");
    String health = last(run, "HEALTHCHECK ");
    assertTrue(health.contains("/health/live") && health.contains("${DROVER_HTTP_PORT:-8080}"), "health check on /health/live: " + health);
    assertEquals("ENTRYPOINT [\"java\", \"-jar\", \"/opt/drover/drover.jar\"]", last(run, "ENTRYPOINT "));

    List<String> ignored = Files.readAllLines(ROOT.resolve(".dockerignore"));
    assertTrue(ignored.containsAll(List.of("**/target", "!hub/target/drover.jar", "**/node_modules", "docker/secrets")),
        "build output (but the jar a prebuilt build takes) and secrets stay out of the context");
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeFileRunsTwoHubsAndAGatewayOnLoopbackThatAgreeWithEachOtherAndPrometheus() throws IOException {
    Map<String, Object> compose = yaml(DOCKER.resolve("compose.yaml"));
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
    assertTrue(services.keySet().containsAll(Set.of("postgres", "prometheus", "grafana")), "services: " + services.keySet());

    Map<String, String> roles = new TreeMap<>();
    Set<String> members = new TreeSet<>();
    Set<String> httpTargets = new TreeSet<>();
    Set<String> memberLists = new TreeSet<>();
    for (var service : services.entrySet()) {
      assertEquals("host", service.getValue().get("network_mode"), service.getKey() + " uses the host's network, no bridge");
      Map<String, Object> env = (Map<String, Object>) service.getValue().get("environment");
      if (env == null || !env.containsKey("DROVER_NODE_ROLES")) {
        continue;
      }
      String node = service.getKey();
      roles.put(node, (String) env.get("DROVER_NODE_ROLES"));
      for (String host : List.of("DROVER_HTTP_HOST", "DROVER_MQTT_HOST", "DROVER_COAP_HOST", "DROVER_CLUSTER_HOST")) {
        assertEquals("127.0.0.1", env.get(host), node + " " + host);
      }
      assertEquals("true", env.get("DROVER_CLUSTER_ENABLED"), node);
      assertEquals("/run/secrets/" + node + ".crt", env.get("DROVER_CLUSTER_TLS_CERT_FILE"), node + "'s own certificate");
      assertEquals("/run/secrets/" + node + ".key", env.get("DROVER_CLUSTER_TLS_KEY_FILE"), node + "'s own key");
      assertEquals("/run/secrets/cluster-ca.crt", env.get("DROVER_CLUSTER_TLS_CA_FILE"), node);
      assertEquals("/run/secrets/metrics-token", env.get("DROVER_METRICS_TOKEN_FILE"), node + " shares the metrics token");
      List<Object> secrets = (List<Object>) service.getValue().get("secrets");
      assertTrue(secrets.containsAll(List.of("cluster-ca.crt", "metrics-token", node + ".crt", node + ".key")), node + " mounts " + secrets);
      if (roles.get(node).contains("hub")) {
        assertEquals("/run/secrets/database.json", env.get("DROVER_CONFIG"), node + " takes the shared database from its secret");
        assertEquals("/run/secrets/master-key", env.get("DROVER_SECRETS_MASTER_KEY_FILE"), node + " shares the master key");
        assertTrue(secrets.containsAll(List.of("database.json", "master-key")), node + " mounts " + secrets);
      }
      assertEquals("drover:local", ((String) service.getValue().get("image")).replaceAll("\\$\\{DROVER_IMAGE:-(.*)}", "$1"), node + "'s image");
      members.add("127.0.0.1:" + env.get("DROVER_CLUSTER_PORT"));
      httpTargets.add("127.0.0.1:" + byDefault((String) env.get("DROVER_HTTP_PORT")));
      memberLists.add((String) env.get("DROVER_CLUSTER_MEMBERS"));
    }
    assertEquals(Map.of("hub1", "hub", "hub2", "hub", "gw1", "gateway"), roles, "the nodes and their roles");
    assertEquals(1, memberLists.size(), "every node lists the same members: " + memberLists);
    assertEquals(members, new TreeSet<>(List.of(memberLists.iterator().next().split(","))), "the member list names each node's Hazelcast port");
    Map<String, Object> build = (Map<String, Object>) services.get("hub1").get("build");
    assertEquals("docker/Dockerfile", build.get("dockerfile"));
    assertEquals(Set.of("BASE_IMAGE", "BUILD_IMAGE"), ((Map<String, Object>) build.get("args")).keySet(), "the images are build arguments");

    // every secret the services name is declared
    Map<String, Map<String, String>> declared = (Map<String, Map<String, String>>) compose.get("secrets");
    for (var service : services.entrySet()) {
      for (Object secret : (List<Object>) service.getValue().getOrDefault("secrets", List.of())) {
        String source = secret instanceof Map<?, ?> longForm ? (String) longForm.get("source") : (String) secret;
        assertTrue(declared.containsKey(source), service.getKey() + "'s secret " + source + " is declared");
      }
    }

    // Prometheus scrapes exactly the three nodes, with the token the nodes are given, and loads the alert rules
    Map<String, Object> prometheus = yaml(DOCKER.resolve("prometheus.yml"));
    Map<String, Object> job = ((List<Map<String, Object>>) prometheus.get("scrape_configs")).get(0);
    Set<String> targets = new TreeSet<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) job.get("static_configs")) {
      targets.addAll((List<String>) group.get("targets"));
    }
    assertEquals(httpTargets, targets, "Prometheus scrapes every node's HTTP port");
    assertEquals("/run/secrets/drover-metrics-token", ((Map<String, Object>) job.get("authorization")).get("credentials_file"));
    assertTrue(((List<Object>) services.get("prometheus").get("secrets")).contains(Map.of("source", "metrics-token", "target", "drover-metrics-token")),
        "Prometheus mounts the metrics token where its job reads it");
    assertEquals(List.of("/etc/prometheus/alerts.yml"), prometheus.get("rule_files"));
    assertTrue(((List<Object>) services.get("prometheus").get("volumes")).contains(
        Map.of("type", "bind", "source", "../dashboards/alerts.yml", "target", "/etc/prometheus/alerts.yml", "read_only", true)),
        "the alert rules are dashboards/alerts.yml");

    Map<String, Object> datasource = ((List<Map<String, Object>>) yaml(DOCKER.resolve("grafana-datasource.yml")).get("datasources")).get(0);
    assertEquals("http://127.0.0.1:${DROVER_PROMETHEUS_PORT}", datasource.get("url"), "Grafana reads the Prometheus on loopback");
    assertEquals("${DROVER_PROMETHEUS_PORT:-9090}", ((Map<String, Object>) services.get("grafana").get("environment")).get("DROVER_PROMETHEUS_PORT"),
        "Grafana's data source is told Prometheus's port");
    assertTrue(((List<String>) services.get("prometheus").get("command")).contains("--web.listen-address=127.0.0.1:${DROVER_PROMETHEUS_PORT:-9090}"));
  }

  /** docker/make-secrets makes every file the compose file declares as a secret, and keeps them on a rerun. */
  @Test
  @SuppressWarnings("unchecked")
  void makeSecretsMakesEverySecretTheComposeFileMounts(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("secrets");
    String first = makeSecrets(out);
    Map<String, Map<String, String>> declared = (Map<String, Map<String, String>>) yaml(DOCKER.resolve("compose.yaml")).get("secrets");
    Map<Path, byte[]> made = new TreeMap<>();
    for (var secret : declared.entrySet()) {
      String file = secret.getValue().get("file");
      String secretsDir = "${DROVER_SECRETS_DIR:-./secrets}/";
      assertTrue(file.startsWith(secretsDir), secret.getKey() + " lives in DROVER_SECRETS_DIR, by default docker/secrets: " + file);
      Path path = out.resolve(file.substring(secretsDir.length()));
      assertTrue(Files.isRegularFile(path), secret.getKey() + ": " + path + " made; make-secrets said:\n" + first);
      assertTrue(Files.size(path) > 0, path + " is not empty");
      made.put(path, Files.readAllBytes(path));
    }
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)), "only its owner reaches the directory");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("cluster-ca/ca.key"))), "the CA's key");
    assertEquals(32, Files.size(out.resolve("master-key")), "a master key is 32 bytes");
    String password = Files.readString(out.resolve("postgres-password")).trim();
    assertEquals(Map.of("database.url", "postgresql://drover:" + password + "@127.0.0.1:15432/drover"),
        new io.vertx.core.json.JsonObject(Files.readString(out.resolve("database.json"))).getMap(), "the hubs' database is compose's PostgreSQL");
    for (String node : List.of("hub1", "hub2", "gw1")) {
      assertTrue(Files.readString(out.resolve("cluster-ca/" + node + ".crt")).contains("BEGIN CERTIFICATE"), node + "'s certificate");
    }

    makeSecrets(out);
    for (var file : made.entrySet()) {
      assertTrue(java.util.Arrays.equals(file.getValue(), Files.readAllBytes(file.getKey())), file.getKey() + " kept on a rerun");
    }
  }

  private static String makeSecrets(Path out) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", DOCKER.resolve("make-secrets").toString()).redirectErrorStream(true);
    builder.environment().put("DROVER_SECRETS_DIR", out.toString());
    builder.environment().put("DROVER_CLASSPATH", System.getProperty("java.class.path"));
    builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + builder.environment().getOrDefault("PATH", "/usr/bin:/bin"));
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "make-secrets finished");
    assertEquals(0, process.exitValue(), "make-secrets:\n" + output);
    return output;
  }

  /**
   * The files of {@code dashboards/} that the compose file mounts. They come with the dashboards half
   * of the operations kit: until it is merged, this is skipped rather than passed.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theDashboardFilesTheComposeFileMountsExist() throws IOException {
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) yaml(DOCKER.resolve("compose.yaml")).get("services");
    List<Path> sources = new ArrayList<>();
    for (Map<String, Object> service : services.values()) {
      for (Object volume : (List<Object>) service.getOrDefault("volumes", List.of())) {
        if (volume instanceof Map<?, ?> bind) {
          // a missing source must stop `up`: only the long form does (the short one makes a directory)
          assertEquals("bind", bind.get("type"), "a file of the repository is mounted in the long form: " + volume);
          sources.add(DOCKER.resolve(byDefault((String) bind.get("source"))).normalize());
        } else {
          assertFalse(((String) volume).startsWith("."), "a file of the repository is mounted in the long form: " + volume);
        }
      }
    }
    for (Path source : sources) {
      if (!source.startsWith(ROOT.resolve("dashboards"))) {
        assertTrue(Files.exists(source), "mounted " + source);
      }
    }
    assumeTrue(Files.exists(ROOT.resolve("dashboards/alerts.yml")), "dashboards/alerts.yml is not in this tree yet (the Grafana dashboards come separately)");
    for (Path source : sources) {
      assertTrue(Files.exists(source), "mounted " + source);
    }
  }

  /**
   * Every port of the compose file is a variable with a default, no two alike, and docker/test.sh
   * picks a free port for each: a port left fixed would be taken on a machine where it is in use.
   */
  @Test
  void everyPortOfTheComposeFileIsAVariableTheContainerTestSets() throws IOException {
    String compose = Files.readString(DOCKER.resolve("compose.yaml"));
    Map<String, String> defaults = new TreeMap<>();
    Matcher variable = Pattern.compile("\\$\\{(DROVER_[A-Z0-9_]+_PORT):-(\\d+)}").matcher(compose);
    while (variable.find()) {
      String earlier = defaults.put(variable.group(1), variable.group(2));
      assertTrue(earlier == null || earlier.equals(variable.group(2)), variable.group(1) + " has one default");
    }
    assertEquals(defaults.size(), new TreeSet<>(defaults.values()).size(), "no two ports share a default: " + defaults);
    for (String line : compose.lines().toList()) {
      Matcher fixed = Pattern.compile("^\\s*[A-Z_]*PORT: \"?(\\d+)\"?$").matcher(line);
      assertFalse(fixed.matches(), "a fixed port: " + line.strip());
    }
    assertTrue(defaults.keySet().containsAll(List.of("DROVER_HUB1_HTTP_PORT", "DROVER_GW1_MQTT_PORT", "DROVER_POSTGRES_PORT", "DROVER_PROMETHEUS_PORT")),
        "the ports are variables: " + defaults.keySet());

    String test = Files.readString(DOCKER.resolve("test.sh"));
    Matcher loop = Pattern.compile("for var in ([^;]*); do\\s+free_port \"\\$var\"").matcher(test);
    assertTrue(loop.find(), "docker/test.sh picks the ports in one loop");
    Set<String> picked = new TreeSet<>(List.of(loop.group(1).replace("\\", " ").trim().split("\\s+")));
    assertEquals(defaults.keySet(), picked, "docker/test.sh picks a free port for every port variable of the compose file");
  }

  /** {@code docker-compose config}: the file as Docker Compose itself reads it (installed by bin/test). */
  @Test
  void dockerComposeAcceptsTheFile() throws Exception {
    assumeTrue(onPath("docker-compose"), "docker-compose is not installed (bin/test installs it)");
    Process process = new ProcessBuilder("docker-compose", "-f", DOCKER.resolve("compose.yaml").toString(), "config", "-q")
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "docker-compose config finished");
    assertEquals(0, process.exitValue(), "docker-compose config:\n" + output);
  }

  /** A compose value as read without its variables set: {@code ${NAME:-default}} becomes its default. */
  private static String byDefault(String value) {
    return value.replaceAll("\\$\\{[A-Z0-9_]+:-([^}]*)}", "$1");
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(Path file) throws IOException {
    return (Map<String, Object>) new Yaml().load(Files.readString(file));
  }

  /** The Dockerfile's instructions, continuation lines joined, comments and blank lines left out. */
  private static List<String> instructions(Path dockerfile) throws IOException {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(dockerfile)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || trimmed.isEmpty()) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
      } else {
        instructions.add(current.append(trimmed).toString().replaceAll("\\s+", " "));
        current.setLength(0);
      }
    }
    return instructions;
  }

  private static int indexOf(List<String> lines, String prefix) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no " + prefix + "in " + lines);
  }

  private static String last(List<String> lines, String prefix) {
    String found = null;
    for (String line : lines) {
      if (line.startsWith(prefix)) {
        found = line;
      }
    }
    if (found == null) {
      throw new AssertionError("no " + prefix + "in " + lines);
    }
    return found;
  }
}
