package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three real node processes (the packaged jar) forming a cluster on loopback against simulated
 * servers; the selector's node is killed with SIGKILL mid-run. True time is this JVM's local
 * timescale + 0.3 s: the truthful servers run that far ahead of it.
 */
class ClusterIT {

    private static final long TRUE_OFFSET_NANOS = 300_000_000L;
    private static final Path LOGS = Path.of("target", "cluster-it");

    private final MonotonicTimescale local = new MonotonicTimescale();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<SimulatedNtpServer> servers = new ArrayList<>();
    private final Map<String, Process> nodes = new HashMap<>();
    private final Map<String, Integer> httpPorts = new HashMap<>();

    @AfterEach
    void stop() throws Exception {
        for (Process process : nodes.values()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        servers.forEach(SimulatedNtpServer::close);
    }

    private void startNodes(int count) throws IOException {
        Files.createDirectories(LOGS);
        LoopbackCluster ports = new LoopbackCluster(count); // only its free ports and unique name are used
        JsonObject config = new JsonObject()
                .put("sources", new JsonArray(servers.stream().map(SimulatedNtpServer::hostPort).toList()))
                .put("pollSeconds", 1).put("httpHost", "127.0.0.1")
                .put("sampler", new JsonObject().put("timeoutMillis", 500));
        Path configFile = LOGS.resolve("node.json");
        Files.writeString(configFile, config.encodePrettily());
        for (int i = 0; i < count; i++) {
            String name = "node-" + i;
            int httpPort = LoopbackCluster.freeTcpPort();
            httpPorts.put(name, httpPort);
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-jar", System.getProperty("timemesh.jar", "target/timemesh.jar"), "run",
                    "--config", configFile.toString(), "--cluster", "--cluster-name", ports.name,
                    "--members", String.join(",", ports.memberList()), "--cluster-port", String.valueOf(ports.ports.get(i)),
                    "--node-name", name, "--http-port", String.valueOf(httpPort));
            nodes.put(name, new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(LOGS.resolve(name + ".log").toFile()).start());
        }
    }

    private record Answer(String node, JsonObject json, long sentLocal, long receivedLocal) {
        long earliest() {
            return Long.parseLong(json.getString("earliestNs"));
        }

        long latest() {
            return Long.parseLong(json.getString("latestNs"));
        }

        long now() {
            return Long.parseLong(json.getString("nowNs"));
        }

        /** True time lay inside the served interval widened by our round trip. */
        boolean holdsTruth() {
            return json.getString("earliestNs") != null && earliest() <= receivedLocal + TRUE_OFFSET_NANOS
                    && sentLocal + TRUE_OFFSET_NANOS <= latest();
        }
    }

    private Answer time(String node) throws Exception {
        long sent = local.nowNanos();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPorts.get(node) + "/time")).timeout(Duration.ofSeconds(3)).build(),
                HttpResponse.BodyHandlers.ofString());
        long received = local.nowNanos();
        return new Answer(node, new JsonObject(response.body()), sent, received);
    }

    private JsonObject status(String node) throws Exception {
        return new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(node)
                + "/status?decisions=1")).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /** The active selector's node name as seen by {@code node} (without the process incarnation suffix). */
    private String selectorOf(String node) {
        try {
            JsonObject selection = status(node).getJsonObject("selection");
            String selector = selection == null ? null : selection.getString("selectorNode");
            return selector == null ? null : selector.substring(0, selector.indexOf('/'));
        } catch (Exception e) {
            return null;
        }
    }

    private void awaitAllSynchronised(Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        for (String node : nodes.keySet()) {
            while (true) {
                try {
                    if (time(node).json().getString("status").equals("SYNCHRONIZED")) {
                        break;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(node + " not SYNCHRONIZED within " + limit + "; see " + LOGS);
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
    }

    /** One query per node back to back; checks truth, monotonic time and that the intervals overlap. */
    private void round(List<String> names, Map<String, Long> lastNow, List<String> violations) throws Exception {
        List<Answer> answers = new ArrayList<>();
        for (String node : names) {
            answers.add(time(node));
        }
        long reference = answers.get(0).sentLocal();
        long low = Long.MIN_VALUE;
        long high = Long.MAX_VALUE;
        for (Answer a : answers) {
            if (!a.holdsTruth()) {
                violations.add("truth outside " + a.node() + ": " + a.json().encode());
                continue;
            }
            if (a.now() < lastNow.getOrDefault(a.node(), Long.MIN_VALUE)) {
                violations.add("time ran backwards on " + a.node());
            }
            lastNow.put(a.node(), a.now());
            // The interval carried back to a common instant, by what our own clock says elapsed.
            low = Math.max(low, a.earliest() - (a.receivedLocal() - reference));
            high = Math.min(high, a.latest() - (a.sentLocal() - reference));
        }
        if (low > high) {
            violations.add("intervals do not overlap: " + answers.stream().map(a -> a.json().encode()).toList());
        }
    }

    @Test
    void threeNodesServeTheSameBoundedTimeAndSurviveTheSelectorsNodeBeingKilled() throws Exception {
        servers.add(SimulatedNtpServer.start("127.0.5.1", local, truthful(8, 2)));
        servers.add(SimulatedNtpServer.start("127.0.5.2", local, truthful(2, 8)));
        servers.add(SimulatedNtpServer.start("127.0.5.3", local, truthful(5, 3)));
        servers.add(SimulatedNtpServer.start("127.0.5.4", local, truthful(3, 5)));
        servers.add(SimulatedNtpServer.start("127.0.5.5", local, ServerBehaviour.truthful().withOffset(1.2)));
        startNodes(3);
        awaitAllSynchronised(Duration.ofSeconds(90));
        List<String> all = List.of("node-0", "node-1", "node-2");
        String selector = selectorOf("node-0");
        assertThat(selector).isIn(all);

        List<String> violations = new ArrayList<>();
        Map<String, Long> lastNow = new HashMap<>();
        int queries = 0;
        for (int i = 0; i < 100; i++) {
            round(all, lastNow, violations);
            queries += 3;
        }

        List<String> survivors = all.stream().filter(n -> !n.equals(selector)).toList();
        long killed = System.nanoTime();
        nodes.get(selector).destroyForcibly(); // SIGKILL
        double takeover = Double.NaN;
        while (System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(20)) {
            round(survivors, lastNow, violations);
            queries += 2;
            String now = selectorOf(survivors.get(0));
            if (now != null && survivors.contains(now)) {
                takeover = (System.nanoTime() - killed) / 1e9;
                break;
            }
        }
        System.out.printf("selector %s killed; %s took over after %.2f s%n", selector, selectorOf(survivors.get(0)),
                takeover);
        for (int i = 0; i < 110; i++) {
            round(survivors, lastNow, violations);
            queries += 2;
        }
        System.out.printf("%d queries over 3 then 2 nodes, %d violations%n", queries, violations.size());
        assertThat(violations).isEmpty();
        assertThat(queries).isGreaterThanOrEqualTo(500);
        assertThat(takeover).isLessThanOrEqualTo(5.0);
        for (String node : survivors) {
            assertThat(time(node).json().getString("status")).isEqualTo("SYNCHRONIZED");
        }
    }

    private static ServerBehaviour truthful(long outMillis, long backMillis) {
        return ServerBehaviour.truthful().withOffset(0.3)
                .withDelays(Duration.ofMillis(outMillis), Duration.ofMillis(backMillis))
                .withJitter(Duration.ofMillis(1));
    }
}
