package io.timemesh.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A timemesh node started from the packaged jar, asked over HTTP. */
final class NodeProcess implements AutoCloseable {

    /**
     * A loopback TCP port free now, for a node to listen on (usually free for UDP too), so that runs on a shared
     * machine do not meet another process on a fixed port. Free only until someone else takes it.
     */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
    private static final Path JAR = Path.of("deploy", "target", "timemesh.jar");

    private final Process process;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final byte[] TIME_REQUEST = "GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    /** Non-blocking, read by spinning: a blocked reader's wake-up would add to the answer's way back alone. */
    private SocketChannel timeConnection;
    private final ByteBuffer timeAnswer = ByteBuffer.allocate(8192);

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
    }

    NodeProcess(int httpPort, Path log, List<String> runOptions) throws IOException {
        this.httpPort = httpPort;
        List<String> command = new ArrayList<>(List.of(java(), "-jar", JAR.toString(), "run"));
        command.addAll(httpOptions(httpPort));
        command.addAll(runOptions);
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private NodeProcess(Process process, int httpPort) {
        this.process = process;
        this.httpPort = httpPort;
    }

    /**
     * Several nodes in one JVM ({@link MeshHost}), node i serving HTTP on {@code httpPorts[i]} and started with
     * {@code runOptions[i]}; one handle per node, all for the same process (its {@link #pid()}, and closing any
     * stops them all).
     */
    static List<NodeProcess> inOneJvm(List<Integer> httpPorts, Path log, List<List<String>> runOptions) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path"),
                MeshHost.class.getName()));
        for (int i = 0; i < httpPorts.size(); i++) {
            if (i > 0) {
                command.add(MeshHost.NEXT);
            }
            command.addAll(httpOptions(httpPorts.get(i)));
            command.addAll(runOptions.get(i));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return httpPorts.stream().map(port -> new NodeProcess(process, port)).toList();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> httpOptions(int httpPort) {
        return List.of("--http-host", "127.0.0.1", "--http-port", String.valueOf(httpPort));
    }

    long pid() {
        return process.pid();
    }

    static long systemNanos() {
        Instant now = Clock.systemUTC().instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * The least-round-trip of {@code tries} GET /time, so the reading is as close to one instant as loopback
     * allows. Asked over one kept-alive connection, written and read on this thread, which spins on a
     * non-blocking read rather than sleeping in one: an HTTP client library's thread hops would add an unknown
     * share of the round trip before the request leaves, and a blocked reader's wake-up (tens of µs on a VM, and
     * varying) would lengthen only the way back, moving the middle of the exchange away from the node's reading.
     */
    Answer time(int tries) throws IOException {
        Answer best = null;
        for (int i = 0; i < tries; i++) {
            Answer answer = timeOnce();
            if (best == null || answer.roundTrip() < best.roundTrip()) {
                best = answer;
            }
        }
        return best;
    }

    private Answer timeOnce() throws IOException {
        if (timeConnection == null || !timeConnection.isOpen()) {
            timeConnection = SocketChannel.open(new InetSocketAddress("127.0.0.1", httpPort));
            timeConnection.setOption(StandardSocketOptions.TCP_NODELAY, true);
            timeConnection.configureBlocking(false);
        }
        ByteBuffer request = ByteBuffer.wrap(TIME_REQUEST);
        timeAnswer.clear();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long sent = systemNanos();
        while (request.hasRemaining()) {
            timeConnection.write(request);
        }
        // The answer's arrival is when its first bytes can be read, not after the headers are parsed.
        readSome(deadline);
        long received = systemNanos();
        int bodyStart;
        while ((bodyStart = headerEnd()) < 0) {
            readSome(deadline);
        }
        String headers = new String(timeAnswer.array(), 0, bodyStart, StandardCharsets.US_ASCII);
        int length = -1;
        for (String line : headers.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        if (length < 0) {
            throw new IOException("GET /time answered without a Content-Length");
        }
        while (timeAnswer.position() < bodyStart + length) {
            readSome(deadline);
        }
        return new Answer(new JsonObject(new String(timeAnswer.array(), bodyStart, length, StandardCharsets.UTF_8)),
                sent, received);
    }

    /** Spins until at least one more byte of the answer is in {@link #timeAnswer}. */
    private void readSome(long deadline) throws IOException {
        while (true) {
            int read = timeConnection.read(timeAnswer);
            if (read < 0) {
                throw new IOException("connection closed before the whole answer");
            }
            if (read > 0) {
                return;
            }
            if (!timeAnswer.hasRemaining() || System.nanoTime() > deadline) {
                throw new IOException("no whole answer to GET /time within 10 s, or one over 8 KiB");
            }
            Thread.onSpinWait();
        }
    }

    /** The offset just after the blank line that ends the answer's headers, or −1 while it has not arrived. */
    private int headerEnd() {
        byte[] a = timeAnswer.array();
        for (int i = 3; i < timeAnswer.position(); i++) {
            if (a[i - 3] == '\r' && a[i - 2] == '\n' && a[i - 1] == '\r' && a[i] == '\n') {
                return i + 1;
            }
        }
        return -1;
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

    /** Kills the node at once (SIGKILL), as a crash would: nothing is handed over. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            if (timeConnection != null) {
                timeConnection.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
