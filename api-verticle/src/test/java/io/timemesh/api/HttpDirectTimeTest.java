package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.time.ManualTimeSource;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * GET /time answered below Vert.x ({@link DirectTime}), over real loopback sockets against a real {@link ApiVerticle}:
 * its answer is Vert.x's to the same request, whatever the head (a property), and it counts as Vert.x's does: in the
 * request series, the idle timeout and the head deadline; a client that pipelines without reading is held back and
 * closed at the write timeout.
 */
class HttpDirectTimeTest {

    private static final long T0 = 1_795_000_000L * 1_000_000_000L;
    private static final String PLAIN = "GET /time HTTP/1.1\r\nHost: a\r\n\r\n";
    /** Asked last on each connection: Vert.x answers it and closes, ending the exchange. */
    private static final String CLOSING = "GET /health/live HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

    private static Vertx vertx;
    private static PrometheusMeterRegistry registry;
    private static ApiVerticle api;
    private static int port;

    @BeforeContainer
    static void deploy() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
                .withMetrics(HttpRequestMeters.factory(registry)).build();
        api = deploy(new JsonObject());
        port = api.httpPort();
    }

    private static ApiVerticle deploy(JsonObject http) {
        ApiVerticle deployed = new ApiVerticle(new ManualTimeSource(T0), new MonotonicReader(),
                TestMesh.node(new ManualTimeSource(T0)), registry);
        vertx.deployVerticle(deployed, new DeploymentOptions().setConfig(new JsonObject().put("httpHost", "127.0.0.1")
                .put("httpPort", 0).put("http", http))).await();
        return deployed;
    }

    @AfterContainer
    static void close() {
        vertx.close().await();
    }

    /**
     * Request heads near a plain GET /time: its request line or a few others, and fields that are allowed or not, in
     * any case, with values that may hold any byte, lines ended by CRLF or by LF alone.
     */
    @Provide
    Arbitrary<String> heads() {
        Arbitrary<String> requestLine = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just("GET /time HTTP/1.1")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("GET /time HTTP/1.0", "HEAD /time HTTP/1.1", "GET /time?a HTTP/1.1",
                        "get /time HTTP/1.1", "GET  /time HTTP/1.1", "GET /time HTTP/1.2")));
        Arbitrary<String> name = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.of("Host", "host", "User-Agent", "ACCEPT", "Accept-Encoding",
                        "accept-language", "Connection")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("Content-Length", "Transfer-Encoding", "Expect", "Upgrade",
                        "X-A", "Host ", " Host")));
        Arbitrary<String> value = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.strings().withCharRange(' ', '~').withChars('\t').ofMaxLength(12)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of("keep-alive", " Keep-Alive ", "close", "0", "chunked", "h2c",
                        "100-continue")),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withCharRange('\0', '\u00ff').ofMaxLength(4)));
        Arbitrary<String> field = name.flatMap(n -> value.map(v -> n + ":" + v));
        Arbitrary<String> lineEnd = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(12, Arbitraries.just("\r\n")),
                net.jqwik.api.Tuple.of(1, Arbitraries.just("\n")));
        return requestLine.flatMap(line -> field.list().ofMaxSize(4).flatMap(fields -> lineEnd.map(end ->
                line + "\r\n" + String.join("", fields.stream().map(f -> f + end).toList()) + "\r\n")));
    }

    /**
     * Each head, alone (whole or split in two writes) and again with a field nothing here reads added last ({@code X-Trace}, which sends the request
     * through Vert.x): both answered alike, the whole head of a 200 the same byte for byte (status line, fields and their
     * order), the next request's answer too.
     */
    @Property(tries = 150)
    void theAnswerToAHeadIsVertxsAnswerToIt(@ForAll("heads") String head,
                                            @ForAll @DoubleRange(min = 0, max = 1) double splitAt) throws Exception {
        // Last, so that every line before it reads as it did (a folded line stays folded onto the same field).
        String traced = head.substring(0, head.length() - 2) + "X-Trace: 1\r\n\r\n";
        ByteBuf bytes = Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
        boolean plain = DirectTime.plainGet(bytes, 0, bytes.writerIndex());
        bytes.release();
        Statistics.collect(plain ? "answered below Vert.x" : "by Vert.x");
        long before = api.directAnswers();
        // Sent whole, or its head in two writes the server reads apart (held until its end, then answered alike).
        int split = splitAt < 0.5 ? head.length() : (int) (head.length() * (splitAt - 0.5) * 2);
        RawHttpExchange.Answer direct = RawHttpExchange.send(port, ascii(head + CLOSING), split, false);
        assertThat(api.directAnswers() - before).as("answered below Vert.x: " + head).isEqualTo(plain ? 1 : 0);
        RawHttpExchange.Answer vertx = RawHttpExchange.send(port, ascii(traced + CLOSING), false);
        assertThat(api.directAnswers() - before).as("the traced one by Vert.x").isEqualTo(plain ? 1 : 0);
        assertThat(direct.status()).as(head).isEqualTo(vertx.status());
        if (vertx.status() == 200) {
            assertThat(direct.head()).as(head).isEqualTo(vertx.head());
            assertThat(direct.body().startsWith("{")).as(head).isEqualTo(vertx.body().startsWith("{"));
            if (vertx.body().startsWith("{")) { // not a HEAD's answer
                assertThat(new JsonObject(direct.body()).fieldNames()).as(head)
                        .isEqualTo(new JsonObject(vertx.body()).fieldNames());
            }
        } else {
            assertThat(direct.contentType()).as(head).isEqualTo(vertx.contentType());
        }
        assertThat(statusLines(direct.following())).as(head).isEqualTo(statusLines(vertx.following()));
        Statistics.coverage(coverage -> coverage.check("answered below Vert.x").percentage(p -> p >= 10));
    }

    private static List<String> statusLines(String text) {
        return text.lines().filter(l -> l.startsWith("HTTP/1.")).toList();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static double counted(String name, String code) {
        var counter = registry.find(name).tags("code", code, "method", "GET").counter();
        return counter == null ? 0 : counter.count();
    }

    @net.jqwik.api.Example
    void directAnswersCountInVertxsRequestSeries() throws Exception {
        double before = counted("vertx.http.server.requests", "200");
        long directBefore = api.directAnswers();
        var bytesBefore = registry.find("vertx.http.server.response.bytes").tags("code", "200", "method", "GET").summary();
        long bytesCountBefore = bytesBefore == null ? 0 : bytesBefore.count();
        RawHttpExchange.Answer answer = RawHttpExchange.send(port, ascii(PLAIN.repeat(25) + CLOSING), false);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(api.directAnswers() - directBefore).as("the 25 times below Vert.x").isEqualTo(25);
        assertThat(counted("vertx.http.server.requests", "200") - before).as("25 times and the health check")
                .isEqualTo(26);
        var bytes = registry.find("vertx.http.server.response.bytes").tags("code", "200", "method", "GET").summary();
        assertThat(bytes.count() - bytesCountBefore).isEqualTo(26);
        assertThat(bytes.max()).as("a /time body's bytes").isGreaterThanOrEqualTo(answer.body().length());
    }

    /**
     * Asks GET /time every 100 ms for {@code millis}, reading each answer: whether every one was answered; the last
     * answer's arrival ({@link System#nanoTime()}) in {@code lastAnswer[0]}.
     */
    private static boolean askEvery100Ms(Socket socket, int millis, long[] lastAnswer)
            throws IOException, InterruptedException {
        socket.setSoTimeout(2_000);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4_096];
        for (long start = System.nanoTime(); System.nanoTime() - start < millis * 1_000_000L; ) {
            out.write(ascii(PLAIN));
            int n = in.read(buffer);
            if (n <= 0 || !new String(buffer, 0, n, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200 OK")) {
                return false;
            }
            lastAnswer[0] = System.nanoTime();
            Thread.sleep(100);
        }
        return true;
    }

    /** ms from {@code sinceNanos} until the server closes the socket, waiting up to {@code waitMillis}; −1 if open. */
    private static long closedWithin(Socket socket, long sinceNanos, int waitMillis) throws IOException {
        long start = sinceNanos;
        socket.setSoTimeout(50);
        byte[] buffer = new byte[4_096];
        while (System.nanoTime() - start < waitMillis * 1_000_000L) {
            try {
                if (socket.getInputStream().read(buffer) < 0) {
                    return (System.nanoTime() - start) / 1_000_000;
                }
            } catch (SocketTimeoutException quiet) {
                // still open
            } catch (SocketException reset) {
                return (System.nanoTime() - start) / 1_000_000;
            }
        }
        return -1;
    }

    /**
     * The idle timeout (Vert.x's) and the head deadline (the guard's), each 1 s, both see the requests answered below
     * Vert.x: a client asking every 100 ms for 4 s is answered throughout, then closed about a second after its last.
     */
    @net.jqwik.api.Example
    void aConnectionAskingOftenOutlivesTheIdleTimeoutAndHeadDeadlineAndIsClosedOnceQuiet() throws Exception {
        for (String limit : List.of("idleTimeoutMillis", "headerTimeoutMillis")) {
            ApiVerticle limited = deploy(new JsonObject().put(limit, 1_000));
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), limited.httpPort())) {
                long[] lastAnswer = new long[1];
                assertThat(askEvery100Ms(socket, 4_000, lastAnswer)).as(limit + ": answered throughout").isTrue();
                assertThat(limited.directAnswers()).as("below Vert.x").isGreaterThan(10);
                assertThat(closedWithin(socket, lastAnswer[0], 6_000)).as(limit + ": ms until closed after the last")
                        .isBetween(900L, 4_000L);
            }
        }
    }

    @net.jqwik.api.Example
    void aClientPipeliningTimeWithoutReadingIsClosedAtTheWriteTimeout() throws Exception {
        int writeTimeoutMillis = 1_000;
        ApiVerticle deployed = deploy(new JsonObject().put("writeTimeoutMillis", writeTimeoutMillis));
        int limited = deployed.httpPort();
        try (Socket reader = new Socket()) {
            reader.setReceiveBufferSize(4_096);
            reader.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), limited));
            reader.setSoTimeout(100);
            long start = System.nanoTime();
            long closedAfterMillis = -1;
            byte[] burst = ascii(PLAIN.repeat(1_000)); // 310 KB of answers asked per burst, none read
            while (closedAfterMillis < 0 && System.nanoTime() - start < 10_000_000_000L) {
                try {
                    reader.getOutputStream().write(burst);
                    Thread.sleep(20);
                } catch (IOException closed) {
                    closedAfterMillis = (System.nanoTime() - start) / 1_000_000;
                }
            }
            assertThat(closedAfterMillis).as("ms until the server closed the connection of a client reading nothing")
                    .isBetween((long) writeTimeoutMillis, writeTimeoutMillis + 4_000L);
            assertThat(deployed.directAnswers()).as("answered below Vert.x until the socket's buffer filled")
                    .isBetween(1L, 999L);
        }
        assertThat(RawHttpExchange.send(limited, ascii(PLAIN + CLOSING), false).status()).isEqualTo(200);
    }
}
