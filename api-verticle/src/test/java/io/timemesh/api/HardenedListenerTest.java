package io.timemesh.api;

import io.timemesh.testkit.Http2Frames;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.time.ManualTimeSource;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The attacks of issue 16, scaled down for CI, over real loopback sockets against a real {@link ApiVerticle}
 * with lowered limits: while each runs, a liveness probe on a new connection every 50 ms is answered within
 * 100 ms, and the attacker's connections are closed. bench/abuse.sh runs them at full size against a node.
 */
class HardenedListenerTest {

    private static final long T0 = 1_795_000_000L * 1_000_000_000L;
    /** What "answered promptly" means for the liveness probe, ms (issue 16). */
    private static final long LIVE_WITHIN_MILLIS = 100;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private Vertx vertx;
    private int port;

    @AfterEach
    void stop() {
        if (vertx != null) {
            vertx.close().await();
        }
    }

    private void start(JsonObject http) {
        // Built before Vert.x, as the node does.
        ApiVerticle api = new ApiVerticle(new ManualTimeSource(T0), new MonotonicReader(),
                TestMesh.node(new ManualTimeSource(T0)), registry);
        vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
                .withMetrics(HttpRequestMeters.factory(registry)).build();
        vertx.deployVerticle(api, new DeploymentOptions().setConfig(new JsonObject().put("httpHost", "127.0.0.1")
                .put("httpPort", 0).put("selectorTimeoutMillis", 300).put("http", http))).await();
        port = api.httpPort();
        try {
            RawHttpExchange.send(port, "GET", "/health/live"); // the first request loads the router's classes
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Socket connect() throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), port);
    }

    /**
     * Every probe answered 200 within a second, the median within 100 ms. The p99 against 100 ms is measured, not
     * asserted: on a shared CI machine one probe in ten may wait for a core (bench/abuse.sh prints it).
     */
    private static void assertPromptlyLive(LiveProbe probe) {
        assertThat(probe.failures()).as("liveness probes not answered 200 within a second").isEmpty();
        assertThat(probe.latencies()).as("liveness probes answered").hasSizeGreaterThan(5);
        assertThat(probe.quantile(0.5)).as("median of /health/live, ms, of " + probe.latencies())
                .isLessThanOrEqualTo(LIVE_WITHIN_MILLIS);
    }

    /** Whether the server has closed the socket: EOF (or a reset) within the wait. */
    private static boolean closedByServer(Socket socket, int waitMillis) throws IOException {
        return closedWithin(socket, System.nanoTime(), waitMillis, null) >= 0;
    }

    /**
     * ms from {@code startNanos} until the server closed the socket (EOF or a reset), reading whatever it sends, or -1
     * if still open {@code waitMillis} after the start. A {@code drip}, when given, gets one more header line after
     * each 100 ms of quiet (a slowloris).
     */
    private static long closedWithin(Socket socket, long startNanos, int waitMillis, OutputStream drip)
            throws IOException {
        socket.setSoTimeout(Math.max(1, Math.min(100, waitMillis)));
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[16_384];
        do {
            try {
                if (in.read(buffer) < 0) {
                    return (System.nanoTime() - startNanos) / 1_000_000;
                }
            } catch (SocketTimeoutException quiet) {
                if (drip != null) {
                    try {
                        drip.write("X-A: b\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (SocketException closed) {
                        return (System.nanoTime() - startNanos) / 1_000_000;
                    }
                }
            } catch (SocketException reset) {
                return (System.nanoTime() - startNanos) / 1_000_000;
            }
        } while (System.nanoTime() - startNanos < waitMillis * 1_000_000L);
        return -1;
    }

    @Test
    void aFloodOfIdleConnectionsIsCappedAndTheProbeStillGetsIn() throws Exception {
        start(new JsonObject().put("maxConnections", 200));
        List<Socket> idle = new ArrayList<>();
        try (LiveProbe probe = new LiveProbe(port)) {
            for (int i = 0; i < 600; i++) {
                idle.add(connect());
            }
            Thread.sleep(1_000);
            probe.close();
            assertPromptlyLive(probe);
            int stillOpen = 0;
            for (Socket socket : idle) {
                stillOpen += closedByServer(socket, 1) ? 0 : 1;
            }
            assertThat(stillOpen).as("attacker connections the server kept open").isLessThanOrEqualTo(200);
            // The newest are kept: the ones evicted were those idle longest.
            assertThat(closedByServer(idle.get(idle.size() - 1), 1)).isFalse();
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    /**
     * Sockets that never send a byte, with h2c on as off: Vert.x makes an HTTP connection of an h2c-enabled socket
     * only once it has read from it, so this fails if the accept-time hook (ChannelLimits.createServer) stops
     * working with a new Vert.x.
     */
    @ParameterizedTest(name = "h2c {0}")
    @ValueSource(booleans = {false, true})
    void silentSocketsAreCappedAndClosedAtTheHeadDeadlineFromTheirAccept(boolean h2c) throws Exception {
        start(new JsonObject().put("h2c", h2c).put("maxConnections", 100).put("headerTimeoutMillis", 1_500));
        List<Socket> silent = new ArrayList<>();
        try (LiveProbe probe = new LiveProbe(port)) {
            long start = System.nanoTime();
            for (int i = 0; i < 300; i++) {
                silent.add(connect());
            }
            Thread.sleep(500);
            // The newest first, well inside its 1.5 s head deadline: the count below waits up to 1 ms on each of the
            // 100 kept, which a loaded machine stretches.
            assertThat(closedByServer(silent.get(silent.size() - 1), 1)).as("the newest kept").isFalse();
            int keptOverCap = 0;
            for (Socket socket : silent) {
                keptOverCap += closedByServer(socket, 1) ? 0 : 1;
            }
            assertThat(keptOverCap).as("silent sockets kept open, cap 100").isLessThanOrEqualTo(100);
            List<Socket> open = new ArrayList<>(silent);
            while (!open.isEmpty() && System.nanoTime() - start < 8_000_000_000L) {
                open.removeIf(socket -> {
                    try {
                        return closedByServer(socket, 1);
                    } catch (IOException e) {
                        return true;
                    }
                });
                Thread.sleep(100);
            }
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            probe.close();
            assertThat(open).as("silent sockets still open after " + elapsedMillis + " ms (head deadline 1.5 s, idle "
                    + "timeout 60 s)").isEmpty();
            assertThat(elapsedMillis).isBetween(1_400L, 6_000L);
            assertPromptlyLive(probe);
        } finally {
            for (Socket socket : silent) {
                socket.close();
            }
        }
    }

    @Test
    void aSlowlorisSendingHeaderLinesIsClosedAtTheHeadDeadline() throws Exception {
        start(new JsonObject().put("headerTimeoutMillis", 1_000));
        List<Socket> slow = new ArrayList<>();
        try (LiveProbe probe = new LiveProbe(port)) {
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                Socket socket = connect();
                socket.getOutputStream().write("GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
                slow.add(socket);
            }
            List<Socket> open = new ArrayList<>(slow);
            while (!open.isEmpty() && System.nanoTime() - start < 8_000_000_000L) {
                Thread.sleep(200); // a header line every 200 ms: never idle, never done
                open.removeIf(socket -> {
                    try {
                        socket.getOutputStream().write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                        return closedByServer(socket, 1);
                    } catch (IOException closed) {
                        return true;
                    }
                });
            }
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            probe.close();
            assertThat(open).as("slow connections still open after " + elapsedMillis + " ms").isEmpty();
            assertThat(elapsedMillis).isGreaterThanOrEqualTo(1_000);
            assertPromptlyLive(probe);
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAtTheHeadDeadlineAfterItsResponse() throws Exception {
        start(new JsonObject().put("headerTimeoutMillis", 500));
        try (Socket socket = connect()) {
            socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(closedByServer(socket, 2_000)).isTrue();
        }
    }

    @Test
    void h2cIsRefusedUnlessAskedFor() throws Exception {
        start(new JsonObject());
        try (Socket socket = connect()) {
            socket.getOutputStream().write(Http2Frames.preface());
            socket.setSoTimeout(5_000);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/");
        }
    }

    @Test
    void responsesHoardedBehindAZeroWindowCloseTheConnection() throws Exception {
        start(new JsonObject().put("h2c", true));
        for (int i = 0; i < 3; i++) { // loads and compiles the HTTP/2 codec before the probe starts
            try (Socket warmUp = hoard("/metrics")) {
                assertThat(closedByServer(warmUp, 5_000)).isTrue();
            }
        }
        List<Socket> attackers = new ArrayList<>();
        try (LiveProbe probe = new LiveProbe(port)) {
            for (int c = 0; c < 10; c++) {
                attackers.add(hoard("/metrics"));
            }
            for (Socket socket : attackers) {
                assertThat(closedByServer(socket, 5_000)).as("a hoarding HTTP/2 connection is closed").isTrue();
            }
            Thread.sleep(500);
            probe.close();
            assertPromptlyLive(probe);
        } finally {
            for (Socket socket : attackers) {
                socket.close();
            }
        }
    }

    /**
     * The hoarder's connection is closed below the HTTP/2 handler: no GOAWAY (through the handler Netty sends one and
     * waits for the streams to end, which they never do), and the rest of its 200 streams is neither decoded nor
     * refused one RST_STREAM at a time (it was, at a third of the event loop's time under bench/abuse.sh's flood).
     */
    @Test
    void aHoardingConnectionIsClosedAtOnceWithoutRefusingTheRestOfItsStreams() throws Exception {
        start(new JsonObject().put("h2c", true));
        try (Socket socket = hoard("/metrics")) {
            List<Http2Frames.Frame> frames = framesUntilQuiet(socket, 3_000);
            assertThat(closedByServer(socket, 1)).isTrue();
            assertThat(count(frames, Http2Frames.GOAWAY, -1)).as("GOAWAY frames").isZero();
            assertThat(count(frames, Http2Frames.RST_STREAM, -1)).as("streams reset, of 200 sent").isLessThanOrEqualTo(10);
        }
    }

    /** An h2c connection granting no window, asking {@code path} on 200 streams. */
    private Socket hoard(String path) throws IOException {
        Socket socket = connect();
        ByteArrayOutputStream attack = new ByteArrayOutputStream();
        attack.write(Http2Frames.preface());
        attack.write(Http2Frames.settingsInitialWindowZero());
        for (int stream = 0; stream < 200; stream++) {
            attack.write(Http2Frames.get(2 * stream + 1, path));
        }
        try {
            socket.getOutputStream().write(attack.toByteArray());
        } catch (SocketException closedMidway) {
            // the server may close before it has read every stream
        }
        return socket;
    }

    /** GET /time is answered before the router (ApiVerticle's fast path): its hoarders are closed too. */
    @Test
    void aClientHoardingTimeAnswersBehindAZeroWindowIsClosed() throws Exception {
        start(new JsonObject().put("h2c", true));
        try (Socket socket = hoard("/time")) {
            assertThat(closedByServer(socket, 5_000)).as("a connection hoarding /time answers is closed").isTrue();
        }
    }

    @Test
    void aKeptAliveConnectionIdleAfterTimeIsClosedAtTheHeadDeadline() throws Exception {
        start(new JsonObject().put("headerTimeoutMillis", 500));
        try (Socket socket = connect()) {
            long start = System.nanoTime();
            socket.getOutputStream().write("GET /time HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(closedWithin(socket, start, 3_000, null)).isBetween(400L, 1_500L);
        }
    }

    @Test
    void aSlowlorisAfterTimeIsClosedAtTheHeadDeadline() throws Exception {
        start(new JsonObject().put("headerTimeoutMillis", 500));
        try (Socket socket = connect()) {
            long start = System.nanoTime();
            OutputStream out = socket.getOutputStream();
            // Many /time answers (the fast path) to keep re-arming, then a head that never ends.
            out.write(("GET /time HTTP/1.1\r\nHost: a\r\n\r\n".repeat(50) + "GET /time HTTP/1.1\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(closedWithin(socket, start, 3_000, out)).isBetween(400L, 1_500L);
        }
    }

    /** Pipelined GET /time, whose answers after a read's first wait for the read's end: each answered, in order. */
    @Test
    void pipelinedTimeRequestsAreEachAnsweredInOrder() throws Exception {
        start(new JsonObject());
        try (Socket socket = connect()) {
            socket.getOutputStream().write(("GET /time HTTP/1.1\r\nHost: a\r\n\r\n".repeat(20)
                    + "GET /health/live HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(10_000);
            String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answers.split("HTTP/1.1 200 OK", -1)).as("every request answered").hasSize(22);
            assertThat(answers.split("\"nowNs\":", -1)).as("20 times").hasSize(21);
            assertThat(answers.lastIndexOf("\"nowNs\":")).as("the times before the health answer, as asked")
                    .isLessThan(answers.lastIndexOf("HTTP/1.1 200 OK"));
        }
    }

    @Test
    void inventedMethodsAndPathsLeaveTheMetricLabelsAClosedSet() throws Exception {
        start(new JsonObject());
        Random random = new Random(16);
        for (int c = 0; c < 4; c++) {
            StringBuilder pipelined = new StringBuilder();
            for (int i = 0; i < 500; i++) {
                String method = random.ints(12, 'A', 'Z' + 1).mapToObj(ch -> String.valueOf((char) ch)).collect(Collectors.joining());
                pipelined.append(method).append(i % 2 == 0 ? " /time" : " /x" + i).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            }
            pipelined.append("GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            try (Socket socket = connect()) {
                socket.getOutputStream().write(pipelined.toString().getBytes(StandardCharsets.US_ASCII));
                socket.setSoTimeout(10_000);
                String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(answers.split("HTTP/1.1 405", -1)).hasSize(251);
                assertThat(answers).containsIgnoringCase("\r\nAllow: GET, HEAD\r\n");
            }
        }
        Set<String> methods = labelValues("method");
        assertThat(methods).isNotEmpty().isSubsetOf(Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
                "TRACE", "CONNECT", HttpRequestMeters.OTHER)).contains(HttpRequestMeters.OTHER);
        assertThat(RawHttpExchange.send(port, "GET", "/metrics").status()).isEqualTo(200);
    }

    private Set<String> labelValues(String label) {
        return registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("vertx.http.server"))
                .map(Meter::getId).map(id -> id.getTag(label)).filter(v -> v != null)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void aRequestFramedBothWaysIsRefusedAndWhatItSmuggledIsNeverServed() throws Exception {
        start(new JsonObject());
        String smuggling = "POST /time HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        RawHttpExchange.Answer answer = RawHttpExchange.send(port, smuggling.getBytes(StandardCharsets.US_ASCII), false);
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith("application/json");
        assertThat(answer.following()).as("only one answer, then the connection closed").isEmpty();
        assertThat(new JsonObject(answer.body()).getString("error")).contains("Transfer-Encoding");

        String chunkedGet = "GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        assertThat(RawHttpExchange.send(port, chunkedGet.getBytes(StandardCharsets.US_ASCII), false).status()).isEqualTo(400);
    }

    @Test
    void headIsAnsweredWhereGetIsAndOtherMethodsLearnWhatIsAllowed() throws Exception {
        start(new JsonObject());
        for (String path : List.of("/time", "/health/live", "/metrics", "/", "/assets/dashboard.js", "/status")) {
            RawHttpExchange.Answer head = RawHttpExchange.send(port, "HEAD", path);
            assertThat(head.status()).as("HEAD " + path).isEqualTo(200);
            assertThat(head.body()).as("HEAD " + path).isEmpty();
        }
        RawHttpExchange.Answer post = RawHttpExchange.send(port, "DELETE", "/time");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.head()).containsIgnoringCase("\r\nallow: GET, HEAD");
        assertThat(new JsonObject(post.body()).getString("error")).contains("GET, HEAD");
    }

    @Test
    void whatNettyRefusesIsAnsweredInJsonAndClosed() throws Exception {
        start(new JsonObject().put("maxInitialLineBytes", 1_024).put("maxHeaderBytes", 2_048));
        String longLine = "GET /time?state=" + "a".repeat(2_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        String bigHeaders = "GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(3_000) + "\r\n\r\n";
        String badHeader = "GET /time HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n";
        for (var c : List.of(List.of(longLine, 414), List.of(bigHeaders, 431), List.of(badHeader, 400))) {
            // No half-close: the answer and the close must come from the server's refusal alone.
            RawHttpExchange.Answer answer = RawHttpExchange.send(port, ((String) c.get(0)).getBytes(StandardCharsets.US_ASCII), false);
            assertThat(answer.status()).as(answer.head()).isEqualTo(c.get(1));
            assertThat(answer.contentType()).startsWith("application/json");
            assertThat(new JsonObject(answer.body()).getString("error")).isNotBlank();
        }
    }

    @Test
    void aRequestOfAVersionNotSpokenHereIsAnsweredInJsonAndClosed() throws Exception {
        start(new JsonObject());
        for (var c : List.of(List.of("HTTP/9.9", 505), List.of("HTTP/2.0", 505), List.of("HTTP/0.9", 505),
                List.of("FOO/1.1", 400), List.of("HTTPS/1.1", 400))) {
            // A pipelined request follows: nothing after the refusal is served.
            String request = "GET /time " + c.get(0) + "\r\nHost: 127.0.0.1\r\n\r\nGET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            // No half-close: the answer and the close must come from the server's refusal alone.
            RawHttpExchange.Answer answer = RawHttpExchange.send(port, request.getBytes(StandardCharsets.US_ASCII), false);
            assertThat(answer.status()).as(c.get(0) + ": " + answer.head()).isEqualTo(c.get(1));
            assertThat(answer.head()).as("the status line names a version we speak").startsWith("HTTP/1.1 ");
            assertThat(answer.contentType()).startsWith("application/json");
            assertThat(new JsonObject(answer.body()).getString("error")).contains((String) c.get(0)).contains("HTTP/1.1");
            assertThat(answer.following()).as("only one answer, then the connection closed").isEmpty();
        }
        // RFC 9110 §2.5: a later minor version of HTTP/1 is served as HTTP/1.1.
        RawHttpExchange.Answer minor = RawHttpExchange.send(port,
                "GET /time HTTP/1.2\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false);
        assertThat(minor.status()).as(minor.head()).isEqualTo(200);
        assertThat(minor.head()).startsWith("HTTP/1.1 200");
    }

    @Test
    void aClientThatStopsReadingIsClosedAtTheWriteTimeoutWhileOthersAreServed() throws Exception {
        int writeTimeoutMillis = 1_000;
        start(new JsonObject().put("writeTimeoutMillis", writeTimeoutMillis));
        String big = "GET /webjars/chart.js/4.4.1/dist/chart.umd.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"; // 205 KB each
        try (LiveProbe probe = new LiveProbe(port); Socket reader = new Socket()) {
            reader.setReceiveBufferSize(4_096); // set before connecting, so the window the server sees stays small
            reader.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            long start = System.nanoTime();
            reader.getOutputStream().write(big.repeat(200).getBytes(StandardCharsets.US_ASCII)); // 40 MB asked, none read
            long closedAfterMillis = -1;
            while (closedAfterMillis < 0 && System.nanoTime() - start < 10_000_000_000L) {
                Thread.sleep(100);
                try { // a write to a connection the server has closed is answered with a reset, which fails the next
                    reader.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException closed) {
                    closedAfterMillis = (System.nanoTime() - start) / 1_000_000;
                }
            }
            probe.close();
            assertThat(closedAfterMillis).as("ms until the server closed the connection of a client reading nothing")
                    .isBetween((long) writeTimeoutMillis, writeTimeoutMillis + 3_000L);
            assertPromptlyLive(probe);
        }
        assertThat(RawHttpExchange.send(port, "GET", "/time").status()).isEqualTo(200);
    }

    /** An h2c connection: the preface, SETTINGS granting no flow-control window, and (when asked) the ACK of ours. */
    private Socket h2c(boolean acknowledge) throws IOException {
        Socket socket = connect();
        ByteArrayOutputStream start = new ByteArrayOutputStream();
        start.write(Http2Frames.preface());
        start.write(Http2Frames.settingsInitialWindowZero());
        if (acknowledge) {
            start.write(Http2Frames.settingsAck());
        }
        socket.getOutputStream().write(start.toByteArray());
        return socket;
    }

    /** The frames the server sends until it closes the connection or is quiet for the given time. */
    private static List<Http2Frames.Frame> framesUntilQuiet(Socket socket, int quietMillis) throws IOException {
        socket.setSoTimeout(quietMillis);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        List<Http2Frames.Frame> frames = new ArrayList<>();
        try {
            for (Http2Frames.Frame frame; frames.size() < 100_000 && (frame = Http2Frames.read(in)) != null; ) {
                frames.add(frame);
            }
        } catch (SocketTimeoutException quiet) {
            // nothing more for now
        } catch (SocketException | EOFException closed) {
            // the server closed it
        }
        return frames;
    }

    private static long count(List<Http2Frames.Frame> frames, int type, int errorCode) {
        return frames.stream().filter(f -> f.type() == type && (errorCode < 0 || f.errorCode() == errorCode)).count();
    }

    @Test
    void anHttp2ClientGetsNoMoreStreamsThanAdvertisedEvenIfItNeverAcknowledges() throws Exception {
        start(new JsonObject().put("h2c", true).put("http2MaxConcurrentStreams", 8).put("http2MaxQueuedResponses", 1_000));
        try (Socket socket = h2c(false)) {
            ByteArrayOutputStream streams = new ByteArrayOutputStream();
            for (int i = 0; i < 50; i++) {
                streams.write(Http2Frames.get(2 * i + 1, "/time"));
            }
            socket.getOutputStream().write(streams.toByteArray());
            List<Http2Frames.Frame> frames = framesUntilQuiet(socket, 1_000);
            // With no window, every answered stream stays open (its DATA waits): 8 answered, the other 42 refused.
            assertThat(count(frames, Http2Frames.HEADERS, -1)).as("streams answered").isEqualTo(8);
            assertThat(count(frames, Http2Frames.RST_STREAM, Http2Frames.REFUSED_STREAM)).as("streams refused").isEqualTo(42);
        }
    }

    @Test
    void aRapidResetFloodClosesTheConnectionAndTheProbeStillGetsIn() throws Exception {
        start(new JsonObject().put("h2c", true).put("http2MaxResetsPerWindow", 50));
        List<Socket> attackers = new ArrayList<>();
        try (LiveProbe probe = new LiveProbe(port)) {
            for (int c = 0; c < 10; c++) {
                Socket socket = h2c(true);
                ByteArrayOutputStream flood = new ByteArrayOutputStream(); // CVE-2023-44487: open, cancel, repeat
                for (int i = 0; i < 1_000; i++) {
                    flood.write(Http2Frames.get(2 * i + 1, "/time"));
                    flood.write(Http2Frames.rstStream(2 * i + 1, Http2Frames.CANCEL));
                }
                try {
                    socket.getOutputStream().write(flood.toByteArray());
                } catch (SocketException closedMidway) {
                    // the server may close before it has read every frame
                }
                attackers.add(socket);
            }
            for (Socket socket : attackers) {
                List<Http2Frames.Frame> frames = framesUntilQuiet(socket, 5_000);
                assertThat(count(frames, Http2Frames.GOAWAY, Http2Frames.ENHANCE_YOUR_CALM)).as("GOAWAY ENHANCE_YOUR_CALM")
                        .isEqualTo(1);
                assertThat(closedByServer(socket, 2_000)).as("the flooding connection is closed").isTrue();
                assertThat(count(frames, Http2Frames.HEADERS, -1)).as("streams answered of the 1,000 opened")
                        .isLessThanOrEqualTo(51);
            }
            Thread.sleep(500);
            probe.close();
            assertPromptlyLive(probe);
        } finally {
            for (Socket socket : attackers) {
                socket.close();
            }
        }
    }

    @Test
    void connectionsUpgradedToH2cCountOnceAndAreForgottenWhenClosed() throws Exception {
        start(new JsonObject().put("h2c", true).put("maxConnections", 10));
        // HTTP2-Settings: an empty SETTINGS payload, base64url.
        byte[] upgrade = ("GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: \r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 30; i++) {
            try (Socket socket = connect()) {
                socket.getOutputStream().write(upgrade);
                socket.getOutputStream().write(Http2Frames.preface());
                socket.getOutputStream().write(Http2Frames.settingsAck());
                socket.setSoTimeout(2_000);
                byte[] head = socket.getInputStream().readNBytes(12);
                assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 101");
            }
        }
        // Were the upgraded connections still counted, the cap would now close every new one that is busy.
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 9; i++) {
                held.add(connect());
            }
            for (int i = 0; i < 5; i++) {
                assertThat(RawHttpExchange.send(port, "GET", "/health/live").status()).isEqualTo(200);
            }
            Thread.sleep(100);
            for (Socket socket : held) {
                assertThat(closedByServer(socket, 1)).as("a connection within the cap is kept").isFalse();
            }
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void http2HeadersAreBoundedAsHttp1Headers() throws Exception {
        start(new JsonObject().put("h2c", true).put("maxHeaderBytes", 2_048));
        try (Socket socket = h2c(true)) {
            socket.getOutputStream().write(Http2Frames.get(1, "/time", "x-big", "b".repeat(2_300)));
            socket.getOutputStream().write(Http2Frames.get(3, "/time", "x-small", "s"));
            List<Http2Frames.Frame> frames = framesUntilQuiet(socket, 1_000);
            // RFC 9113 §10.5.1: a header list over the limit is answered 431, and the connection serves the next.
            assertThat(frames).filteredOn(f -> f.type() == Http2Frames.HEADERS && f.streamId() == 1).singleElement()
                    .satisfies(f -> assertThat(new String(f.payload(), StandardCharsets.ISO_8859_1)).contains("431"));
            assertThat(frames).filteredOn(f -> f.type() == Http2Frames.HEADERS && f.streamId() == 3).hasSize(1);
        }
        try (Socket socket = h2c(true)) {
            // Netty's own margin: a quarter over the limit, the connection is closed (GOAWAY PROTOCOL_ERROR).
            socket.getOutputStream().write(Http2Frames.get(1, "/time", "x-big", "b".repeat(3_000)));
            assertThat(count(framesUntilQuiet(socket, 1_000), Http2Frames.GOAWAY, Http2Frames.PROTOCOL_ERROR)).isEqualTo(1);
            assertThat(closedByServer(socket, 2_000)).isTrue();
        }
    }

    @Test
    void anHttp2ConnectionThatOpensNoStreamIsClosedAtTheHeadDeadline() throws Exception {
        start(new JsonObject().put("h2c", true).put("headerTimeoutMillis", 500));
        try (Socket socket = h2c(true)) {
            long start = System.nanoTime();
            List<Http2Frames.Frame> frames = framesUntilQuiet(socket, 3_000);
            long closedAfterMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(count(frames, Http2Frames.SETTINGS, -1)).as("the server's SETTINGS and its ACK").isEqualTo(2);
            assertThat(closedByServer(socket, 1)).isTrue();
            assertThat(closedAfterMillis).isBetween(400L, 2_500L);
        }
    }
}
