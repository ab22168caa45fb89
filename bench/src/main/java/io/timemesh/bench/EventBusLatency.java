package io.timemesh.bench;

import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.deploy.ClusterConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Latency of a {@code timemesh.time} request from a remote node on loopback. Starts a node process
 * from the packaged jar (discipline + api roles), joins its cluster from this JVM as a bare member,
 * then sends requests one at a time and prints p50/p90/p99/p99.9 and the rate.
 *
 * <p>Usage: {@code java -cp bench/target/timemesh-bench.jar io.timemesh.bench.EventBusLatency
 * [deploy/target/timemesh.jar] [requests]}
 */
public final class EventBusLatency {
    private EventBusLatency() {}

    public static void main(String[] args) throws Exception {
        String jar = args.length > 0 ? args[0] : "deploy/target/timemesh.jar";
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int warmup = Math.max(2_000, requests / 5);
        String cluster = "bench-" + UUID.randomUUID();
        int nodePort = freePort();
        int selfPort = freePort();
        int httpPort = freePort();
        List<String> members = List.of("127.0.0.1:" + nodePort, "127.0.0.1:" + selfPort);
        Path config = Files.createTempFile("bench-node", ".json");
        Files.writeString(config, new JsonObject().put("sources", new JsonArray()).encode());
        Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar,
                "run", "--config", config.toString(), "--cluster", "--cluster-name", cluster,
                // The bench's own member has no key: timemesh.time requests and answers are not sealed anyway.
                "--insecure-cluster",
                "--members", String.join(",", members), "--cluster-port", String.valueOf(nodePort),
                "--node-name", "responder", "--roles", "discipline,api", "--http-host", "127.0.0.1",
                "--http-port", String.valueOf(httpPort))
                .redirectErrorStream(true).redirectOutput(Files.createTempFile("bench-node", ".log").toFile()).start();
        Vertx vertx = null;
        try {
            awaitHttp(httpPort);
            vertx = Vertx.builder()
                    .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
                    .withClusterManager(new HazelcastClusterManager(ClusterConfigs.tcpIp(cluster, "127.0.0.1", selfPort,
                            members)))
                    .buildClustered().await();
            DeliveryOptions options = new DeliveryOptions().setSendTimeout(5_000);
            for (int i = 0; i < warmup; i++) {
                vertx.eventBus().request(EventBusAddresses.TIME, null, options).await();
            }
            long[] nanos = new long[requests];
            long started = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                long t0 = System.nanoTime();
                vertx.eventBus().request(EventBusAddresses.TIME, null, options).await();
                nanos[i] = System.nanoTime() - t0;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            Arrays.sort(nanos);
            System.out.printf(Locale.ROOT, "timemesh.time request from a remote node on loopback, %d requests one at a"
                            + " time after %d warm-up:%n  p50 %.1f us  p90 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us"
                            + "  (%.0f requests/s)%n", requests, warmup, pct(nanos, 0.50), pct(nanos, 0.90),
                    pct(nanos, 0.99), pct(nanos, 0.999), nanos[nanos.length - 1] / 1e3, requests / seconds);
        } finally {
            if (vertx != null) {
                vertx.close().await();
            }
            node.destroy();
            node.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(config);
        }
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))] / 1e3;
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitHttp(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/time")).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
        throw new IllegalStateException("the node did not start within 60 s");
    }
}
