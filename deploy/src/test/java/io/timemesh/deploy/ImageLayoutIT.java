package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.security.auth.module.UnixSystem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ChronydClient;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the image holds, where no container engine can build it: deploy/image/assemble.sh (the script the
 * Dockerfile runs) lays out the jlink-ed runtime, the jar and the entrypoint, and a node started by that
 * entrypoint, as the image starts it, serves health, bounded time and metrics that Prometheus's promtool
 * accepts, with every metric the shipped alert rules and Grafana dashboard use.
 */
class ImageLayoutIT {
    private static final Path LAYOUT = Path.of("target", "image-layout");
    private static final Path HOME = LAYOUT.resolve("opt/timemesh");
    private static final Path RULES = Path.of("observability", "timemesh-alerts.yml");
    private static final Path DASHBOARD = Path.of("observability", "grafana-dashboard.json");
    private static final Path SCRAPED = Path.of("target", "image-layout-metrics.txt");
    private static final long TRUE_OFFSET_NANOS = 300_000_000L;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static final MonotonicTimescale local = new MonotonicTimescale();
    private static final List<SimulatedNtpServer> servers = new ArrayList<>();
    private static Process node;
    private static Path nodeLog;
    private static int httpPort;

    private record Outcome(int exitCode, String output) {}

    @BeforeAll
    static void assembleAndStart() throws Exception {
        Outcome assembled = run(Map.of("JAVA_HOME", System.getProperty("java.home")), Duration.ofMinutes(5),
                "image/assemble.sh", System.getProperty("timemesh.jar", "target/timemesh.jar"), LAYOUT.toString());
        assertThat(assembled.exitCode()).as(assembled.output()).isZero();
        for (String address : List.of("127.0.15.11", "127.0.15.12", "127.0.15.13")) {
            servers.add(SimulatedNtpServer.start(address, local, MeshFixture.truthful(1, 1)));
        }
        httpPort = LoopbackCluster.freeTcpPort();
        nodeLog = Path.of("target", "image-layout-node.log");
        node = startNode(List.of(), "image", httpPort, nodeLog);
    }

    /** A node started by the layout's entrypoint, as the image starts it, behind {@code prefix} (e.g. setpriv). */
    private static Process startNode(List<String> prefix, String name, int port, Path log, String... more) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(HOME.resolve("bin/timemesh").toAbsolutePath().toString(), "run", "--poll", "1",
                "--http-host", "127.0.0.1", "--node-name", name, "--cluster-name", name + "-" + UUID.randomUUID()));
        servers.forEach(s -> command.addAll(List.of("--source", s.hostPort())));
        command.addAll(List.of(more));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Map.of("TIMEMESH_HTTP_PORT", String.valueOf(port), "JAVA_OPTS", "-Xmx256m"));
        return builder.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.destroy(); // SIGTERM, as systemd and Kubernetes stop it
            assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(node.exitValue()).as("a JVM stopped by SIGTERM (systemd's SuccessExitStatus)").isEqualTo(143);
        }
        servers.forEach(SimulatedNtpServer::close);
    }

    @Test
    void theLayoutIsARuntimeOfItsOwnWithTheJarAndTheEntrypoint() throws Exception {
        Path java = HOME.resolve("runtime/bin/java");
        assertThat(java).isExecutable();
        assertThat(HOME.resolve("timemesh.jar")).isRegularFile();
        assertThat(HOME.resolve("jvm.options")).hasSameTextualContentAs(Path.of("jvm.options"));
        // Without JAVA_OPTS the entrypoint hands java that file: every option in it must be one this runtime takes.
        Outcome version = run(Map.of(), Duration.ofSeconds(30), HOME.resolve("bin/timemesh").toString(), "--version");
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output()).doesNotContain("Unrecognized", "Error", "Could not");
        Outcome modules = run(Map.of(), Duration.ofSeconds(30), java.toString(), "--list-modules");
        assertThat(modules.output()).contains("java.base@", "jdk.unsupported@", "jdk.management@")
                .doesNotContain("jdk.compiler@", "jdk.jshell@"); // jlink-ed: not a whole JDK
        // The Dockerfile runs this very script and points its entrypoint and health check into this layout.
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile).contains("deploy/image/assemble.sh deploy/target/timemesh.jar /image",
                "ENTRYPOINT [\"/opt/timemesh/bin/timemesh\"]", "HEALTHCHECK", "CMD [\"/opt/timemesh/bin/healthcheck\"]",
                "setcap cap_net_bind_service=+ep /opt/timemesh/runtime/bin/java");
        assertThat(Pattern.compile("^USER (\\d+)", Pattern.MULTILINE).matcher(dockerfile).results()
                .map(m -> Integer.parseInt(m.group(1)))).singleElement().isNotEqualTo(0);
        assertThat(Pattern.compile("^FROM ", Pattern.MULTILINE).matcher(dockerfile).results().count()).isEqualTo(2);
    }

    @Test
    void theHealthCheckPassesOnceTheNodeIsLiveAndFailsWithoutIt() throws Exception {
        Outcome healthy = awaitHealthy();
        assertThat(healthy.exitCode()).as(healthy.output() + log()).isZero();
        Outcome nobody = run(Map.of("TIMEMESH_HTTP_PORT", String.valueOf(LoopbackCluster.freeTcpPort())),
                Duration.ofSeconds(30), HOME.resolve("bin/healthcheck").toString());
        assertThat(nobody.exitCode()).isNotZero();
    }

    @Test
    void theNodeServesBoundedTimeHoldingTheTruth() throws Exception {
        awaitSynchronized();
        long before = local.nowNanos() + TRUE_OFFSET_NANOS;
        JsonObject time = new JsonObject(get("/time").body());
        long after = local.nowNanos() + TRUE_OFFSET_NANOS;
        assertThat(time.getString("status")).isIn("SYNCHRONIZED", "HOLDOVER");
        assertThat(Long.parseLong(time.getString("earliestNs"))).isLessThanOrEqualTo(after);
        assertThat(Long.parseLong(time.getString("latestNs"))).isGreaterThanOrEqualTo(before);
    }

    /**
     * NTP's port 123 as the systemd unit runs the node: a user other than root whose only capability is
     * CAP_NET_BIND_SERVICE (ambient, as AmbientCapabilities= gives it; the bounding set holds nothing else).
     * chronyd -Q reads the node's time there; without the capability the same start is refused.
     */
    @Test
    void aNonRootNodeWithOnlyNetBindServiceServesNtpOnPort123() throws Exception {
        assumeTrue(new UnixSystem().getUid() == 0, "only root can start a process as another user with one capability (CI runs as root)");
        List<String> nobody = List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--bounding-set=-all,+net_bind_service");
        List<String> withBind = new ArrayList<>(nobody);
        withBind.addAll(List.of("--inh-caps=-all,+net_bind_service", "--ambient-caps=-all,+net_bind_service"));
        String[] ntp = {"--ntp-port", "123"};

        Path refusedLog = Path.of("target", "image-layout-no-capability.log");
        Process refused = startNode(nobody, "nocap", LoopbackCluster.freeTcpPort(), refusedLog, ntp);
        assertThat(refused.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(refused.exitValue()).isNotZero();
        assertThat(Files.readString(refusedLog)).contains("Permission denied");

        int port = LoopbackCluster.freeTcpPort();
        Path log = Path.of("target", "image-layout-ntp123.log");
        Process served = startNode(withBind, "ntp123", port, log, ntp);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String status = "";
            while (!status.equals("SYNCHRONIZED") && served.isAlive() && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(500);
                try {
                    status = new JsonObject(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/time"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body()).getString("status");
                } catch (IOException notYet) {
                    // still starting
                }
            }
            assertThat(status).as(Files.readString(log)).isEqualTo("SYNCHRONIZED");
            ChronydClient.Measurement chrony = ChronydClient.measureOffset("127.0.0.1", 123);
            System.out.printf("chronyd -Q against a non-root node on port 123: %s (truth +0.300000 s)%n", chrony);
            assertThat(chrony.offsetSeconds()).isCloseTo(0.3, within(0.01 + chrony.delaySeconds() / 2));
        } finally {
            served.destroy();
            served.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void metricsPassPromtoolAndCarryTheBuild() throws Exception {
        String metrics = scrape();
        Outcome check = start(new ProcessBuilder(promtool(), "check", "metrics").redirectInput(SCRAPED.toFile()),
                Map.of(), Duration.ofSeconds(30));
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).as("promtool check metrics on the whole /metrics").isBlank();
        String jarCommit = System.getProperty("timemesh.gitCommit");
        assertThat(metrics).contains("timemesh_build_info{commit=\"" + jarCommit + "\",version=\""
                + System.getProperty("timemesh.version") + "\"} 1");
        assertThat(metrics).contains("process_cpu_seconds_total", "jvm_compilation_seconds_total", "system_cpus ");
    }

    @Test
    void theAlertRulesPassPromtoolAndEveryMetricTheyAndTheDashboardUseIsServed() throws Exception {
        Outcome rules = run(Map.of(), Duration.ofSeconds(30), promtool(), "check", "rules", RULES.toString());
        assertThat(rules.exitCode()).as(rules.output()).isZero();
        System.out.print(rules.output());

        List<String> expressions = new ArrayList<>();
        new YAMLMapper().readTree(RULES.toFile()).path("groups")
                .forEach(g -> g.path("rules").forEach(r -> expressions.add(r.path("expr").asText())));
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> expressions.add(t.path("expr").asText())));
        dashboard.path("templating").path("list").forEach(v -> {
            if (v.path("type").asText().equals("query")) {
                expressions.add(v.path("query").asText());
            }
        });
        assertThat(expressions).hasSizeGreaterThan(20).doesNotContain("");

        Map<String, Set<String>> served = series(scrape());
        Set<String> missing = new TreeSet<>();
        for (String expression : expressions) {
            for (String metric : PromQl.metricNames(expression, served)) {
                if (!served.containsKey(metric) && !PromQl.SYNTHETIC.contains(metric)) {
                    missing.add(metric + " (in " + expression + ")");
                }
            }
        }
        assertThat(missing).as("metrics the rules or the dashboard use that the node does not serve").isEmpty();
    }

    /** Metric names and PromQL, just enough to find the metrics an expression reads. */
    static final class PromQl {
        /** Series Prometheus makes itself for every scrape target. */
        static final Set<String> SYNTHETIC = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped");
        private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
                "group_left", "group_right", "bool", "offset", "inf", "nan");
        private static final Pattern NAME = Pattern.compile("(?<![\\w.:$])[a-zA-Z_:][a-zA-Z0-9_:]*");

        /**
         * The metric names in {@code expression}: identifiers left once label matchers, strings, ranges and
         * label lists are cut out, that are neither functions, keywords nor label names of the served series.
         */
        static Set<String> metricNames(String expression, Map<String, Set<String>> served) {
            Set<String> labels = new TreeSet<>(Set.of("instance", "job"));
            served.values().forEach(labels::addAll);
            String bare = expression.replaceAll("\"[^\"]*\"", "\"\"").replaceAll("\\{[^}]*}", " ")
                    .replaceAll("\\[[^]]*]", " ")
                    .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
            Set<String> names = new TreeSet<>();
            Matcher m = NAME.matcher(bare);
            while (m.find()) {
                String name = m.group();
                boolean function = bare.substring(m.end()).stripLeading().startsWith("(");
                if (!function && !KEYWORDS.contains(name.toLowerCase()) && !labels.contains(name)) {
                    names.add(name);
                }
            }
            return names;
        }
    }

    /** Series name → its label names, from the Prometheus text format. */
    private static Map<String, Set<String>> series(String metrics) {
        Map<String, Set<String>> series = new HashMap<>();
        Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})? ");
        Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
        for (String text : metrics.split("\n")) {
            Matcher m = line.matcher(text);
            if (m.find()) {
                Set<String> labels = series.computeIfAbsent(m.group(1), k -> new TreeSet<>());
                if (m.group(3) != null) {
                    label.matcher(m.group(3)).results().forEach(l -> labels.add(l.group(1)));
                }
            }
        }
        return series;
    }

    /** /metrics once the node is synchronised and has answered HTTP, so every series exists; kept in target/. */
    private static String scrape() throws Exception {
        awaitSynchronized();
        get("/nothing-here"); // an error response too
        // The per-source series come with a scrape that finds the selector's views of the sources; a scrape within a
        // second of the last serves the same text.
        String metrics = get("/metrics").body();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!metrics.contains("timemesh_source_state{") && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(200);
            metrics = get("/metrics").body();
        }
        Files.writeString(SCRAPED, metrics);
        return metrics;
    }

    private static void awaitSynchronized() throws Exception {
        awaitHealthy();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        JsonObject time = new JsonObject(get("/time").body());
        while (!"SYNCHRONIZED".equals(time.getString("status")) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(200);
            time = new JsonObject(get("/time").body());
        }
        assertThat(time.getString("status")).as(time.encode() + log()).isEqualTo("SYNCHRONIZED");
    }

    private static Outcome awaitHealthy() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Outcome outcome;
        do {
            outcome = run(Map.of("TIMEMESH_HTTP_PORT", String.valueOf(httpPort)), Duration.ofSeconds(30),
                    HOME.resolve("bin/healthcheck").toString());
            if (outcome.exitCode() != 0) {
                TimeUnit.MILLISECONDS.sleep(500);
            }
        } while (outcome.exitCode() != 0 && node.isAlive() && System.nanoTime() < deadline);
        return outcome;
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String promtool() {
        Path promtool = Path.of("/usr/bin/promtool");
        assertThat(promtool).as("promtool (Debian package prometheus; scripts/install-test-deps installs it)").isExecutable();
        return promtool.toString();
    }

    private static Outcome run(Map<String, String> environment, Duration limit, String... command) throws Exception {
        return start(new ProcessBuilder(command), environment, limit);
    }

    private static Outcome start(ProcessBuilder builder, Map<String, String> environment, Duration limit) throws Exception {
        builder.redirectErrorStream(true).environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)).as(String.join(" ", builder.command())).isTrue();
        return new Outcome(process.exitValue(), output);
    }

    private static String log() throws IOException {
        return "\nnode log:\n" + Files.readString(nodeLog);
    }
}
