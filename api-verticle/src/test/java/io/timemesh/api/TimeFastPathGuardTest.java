package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.time.ManualTimeSource;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The head deadline still holds for connections served on the GET /time fast path. */
class TimeFastPathGuardTest {
    private static final long T0 = 1_795_000_000L * 1_000_000_000L;
    private Vertx vertx;
    private int port;

    @AfterEach
    void stop() {
        if (vertx != null) {
            vertx.close().await();
        }
    }

    private void start(JsonObject http) {
        ApiVerticle api = new ApiVerticle(new ManualTimeSource(T0), new MonotonicReader(),
                TestMesh.node(new ManualTimeSource(T0)), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        vertx = Vertx.vertx();
        vertx.deployVerticle(api, new DeploymentOptions().setConfig(new JsonObject().put("httpHost", "127.0.0.1")
                .put("httpPort", 0).put("http", http))).await();
        port = api.httpPort();
    }

    /** ms until the server closed the socket (reading whatever it sent), or -1 within the wait. */
    private static long closedWithin(Socket socket, long startNanos, int waitMillis, OutputStream drip)
            throws Exception {
        socket.setSoTimeout(100);
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[16_384];
        while (System.nanoTime() - startNanos < waitMillis * 1_000_000L) {
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
        }
        return -1;
    }

    @Test
    void aKeptAliveConnectionIdleAfterTimeIsClosedAtTheHeadDeadline() throws Exception {
        start(new JsonObject().put("headerTimeoutMillis", 500));
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            long start = System.nanoTime();
            socket.getOutputStream().write("GET /time HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(closedWithin(socket, start, 3_000, null)).isBetween(400L, 1_500L);
        }
    }

    @Test
    void aSlowlorisAfterTimeIsClosedAtTheHeadDeadline() throws Exception {
        start(new JsonObject().put("headerTimeoutMillis", 500));
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            long start = System.nanoTime();
            OutputStream out = socket.getOutputStream();
            // Many /time answers to keep re-arming, then a head that never ends.
            out.write(("GET /time HTTP/1.1\r\nHost: a\r\n\r\n".repeat(50) + "GET /time HTTP/1.1\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(closedWithin(socket, start, 3_000, out)).isBetween(400L, 1_500L);
        }
    }
}
