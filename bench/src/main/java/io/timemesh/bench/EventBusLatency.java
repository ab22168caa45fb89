package io.timemesh.bench;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.deploy.ClusterConfigs;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Latency of a {@code timemesh.time} request from a remote node on loopback, with the MACs off and on.
 * Starts a node process from the packaged jar (discipline + api roles) in a cluster with a key, joins
 * its cluster from this JVM as a bare member, then sends requests one at a time, twice: plain requests
 * (plain answers), then requests with a nonce, whose answers are sealed by the node and checked here
 * (HMAC-SHA256 both ways, as {@code VertxTimemeshClient.eventBus(vertx, timeout, key)} does). Prints
 * p50/p90/p99/p99.9 and the rate of each, side by side.
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
        int nodePort = NodeProcess.freePort();
        int selfPort = NodeProcess.freePort();
        int httpPort = NodeProcess.freePort();
        List<String> members = List.of("127.0.0.1:" + nodePort, "127.0.0.1:" + selfPort);
        Path config = Files.createTempFile("bench-node", ".json");
        Files.writeString(config, new JsonObject().put("sources", new JsonArray()).encode());
        Path keyFile = Files.createTempFile("bench-cluster", ".key");
        Files.writeString(keyFile, ClusterKey.generate());
        MeshAuth client = MeshAuth.keyed("bench-client", ClusterKey.read(keyFile), new MonotonicTimescale());
        Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar,
                "run", "--config", config.toString(), "--cluster", "--cluster-name", cluster,
                "--cluster-key", keyFile.toString(),
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
            Vertx member = vertx;
            SecureRandom nonces = new SecureRandom();
            Callable<Object> plain = () -> member.eventBus().request(EventBusAddresses.TIME, new JsonObject(), options)
                    .await().body();
            Callable<Object> sealed = () -> {
                long nonce = nonces.nextLong();
                Object answer = member.eventBus().request(EventBusAddresses.TIME, new JsonObject().put("nonce", nonce),
                        options).await().body();
                return client.openReply(EventBusAddresses.TIME, EventBusAddresses.TIME, null, nonce, answer)
                        .orElseThrow(() -> new IllegalStateException("an answer failed its MAC check"));
            };
            System.out.printf(Locale.ROOT, "timemesh.time request from a remote node on loopback, %d requests one at a"
                    + " time after %d warm-up:%n", requests, warmup);
            measure("MACs off (plain request and answer)", plain, warmup, requests);
            measure("MACs on (answer sealed by the node, checked here)", sealed, warmup, requests);
        } finally {
            if (vertx != null) {
                vertx.close().await();
            }
            node.destroy();
            node.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(config);
            Files.deleteIfExists(keyFile);
        }
    }

    private static void measure(String what, Callable<Object> ask, int warmup, int requests) throws Exception {
        for (int i = 0; i < warmup; i++) {
            ask.call();
        }
        long[] nanos = new long[requests];
        long started = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            long t0 = System.nanoTime();
            ask.call();
            nanos[i] = System.nanoTime() - t0;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Arrays.sort(nanos);
        System.out.printf(Locale.ROOT, "  %-50s p50 %.1f us  p90 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us"
                        + "  (%.0f requests/s)%n", what, pct(nanos, 0.50), pct(nanos, 0.90), pct(nanos, 0.99),
                pct(nanos, 0.999), nanos[nanos.length - 1] / 1e3, requests / seconds);
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))] / 1e3;
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
