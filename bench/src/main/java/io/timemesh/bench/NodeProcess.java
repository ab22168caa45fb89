package io.timemesh.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A timemesh node started from the packaged jar, asked over HTTP. */
final class NodeProcess implements AutoCloseable {
    private static final Path JAR = Path.of("deploy", "target", "timemesh.jar");

    private final Process process;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One GET /time: the served interval and this machine's system clock just before and after asking. */
    record Answer(JsonObject json, long sentSystemNanos, long receivedSystemNanos) {
        long earliest() {
            return Long.parseLong(json.getString("earliestNs"));
        }

        long latest() {
            return Long.parseLong(json.getString("latestNs"));
        }

        long roundTrip() {
            return receivedSystemNanos - sentSystemNanos;
        }

        /** The served time less the system clock at the middle of the exchange. */
        double offsetSeconds() {
            return (Long.parseLong(json.getString("nowNs")) - (sentSystemNanos + receivedSystemNanos) / 2) / 1e9;
        }

        /** Whether true time, the system clock plus {@code trueOffset}, was inside at some moment of the exchange. */
        boolean holds(long trueOffsetNanos) {
            return earliest() <= receivedSystemNanos + trueOffsetNanos && sentSystemNanos + trueOffsetNanos <= latest();
        }
    }

    NodeProcess(int httpPort, Path log, List<String> runOptions) throws IOException {
        this.httpPort = httpPort;
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "run", "--http-host", "127.0.0.1", "--http-port", String.valueOf(httpPort)));
        command.addAll(runOptions);
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    long pid() {
        return process.pid();
    }

    static long systemNanos() {
        Instant now = Clock.systemUTC().instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** The least-round-trip of {@code tries} GET /time, so the reading is as close to one instant as loopback allows. */
    Answer time(int tries) throws IOException, InterruptedException {
        Answer best = null;
        for (int i = 0; i < tries; i++) {
            long sent = systemNanos();
            String body = get("/time");
            Answer answer = new Answer(new JsonObject(body), sent, systemNanos());
            if (best == null || answer.roundTrip() < best.roundTrip()) {
                best = answer;
            }
        }
        return best;
    }

    String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Waits until the node serves SYNCHRONIZED time. */
    void awaitSynchronised(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the node exited with " + process.exitValue());
            }
            try {
                if ("SYNCHRONIZED".equals(new JsonObject(get("/time")).getString("status"))) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new IOException("the node was not SYNCHRONIZED within " + limit);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
