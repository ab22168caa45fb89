package io.timemesh.deploy;

import io.timemesh.core.time.MonotonicTimescale;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GETs on a node's HTTP API by its address and port, in this JVM or another. */
final class NodeHttp {
    // Generous: a cold node JVM on a busy host can take seconds over its first answers.
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private NodeHttp() {}

    /** One GET /time, with {@code local} read just before the request and just after the answer. */
    static MeshFixture.Answer time(MonotonicTimescale local, String host, int port) throws IOException, InterruptedException {
        long sent = local.nowNanos();
        HttpResponse<String> response = get(host, port, "/time");
        long received = local.nowNanos();
        return new MeshFixture.Answer(response.statusCode(), new JsonObject(response.body()), sent, received);
    }

    /**
     * GET /sources: the node's sources, or none when it answers 503 (its samplers did not all answer in time, as on a
     * machine stalled for seconds), so that callers polling for a share simply poll again.
     */
    static JsonArray sources(String host, int port) throws IOException, InterruptedException {
        HttpResponse<String> response = get(host, port, "/sources");
        return response.statusCode() == 503 ? new JsonArray() : new JsonArray(response.body());
    }

    /**
     * GET /sources until it is answered (200), for a one-shot read: a 503 is the selector not answering within the
     * API's 2 s, routine on a loaded machine, not an answer.
     *
     * @throws AssertionError when {@code limit} passes with only 503s
     */
    static JsonArray answeredSources(String host, int port, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            HttpResponse<String> response = get(host, port, "/sources");
            if (response.statusCode() != 503) {
                return new JsonArray(response.body());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("/sources answered 503 for " + limit + ": " + response.body());
            }
            Thread.sleep(100);
        }
    }

    /** GET /status with the selector's {@code decisions} newest decisions. */
    static JsonObject status(String host, int port, int decisions) throws IOException, InterruptedException {
        return new JsonObject(get(host, port, "/status?decisions=" + decisions).body());
    }

    /** The body of any GET, e.g. /metrics. */
    static String text(String host, int port, String path) throws IOException, InterruptedException {
        return get(host, port, path).body();
    }

    private static HttpResponse<String> get(String host, int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path)).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
