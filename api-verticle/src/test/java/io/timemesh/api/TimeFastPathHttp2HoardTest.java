package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.time.ManualTimeSource;
import io.timemesh.testkit.Http2Frames;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An HTTP/2 client hoarding GET /time answers (served past the router) is closed too. */
class TimeFastPathHttp2HoardTest {
    private static final long T0 = 1_795_000_000L * 1_000_000_000L;
    private Vertx vertx;

    @AfterEach
    void stop() {
        if (vertx != null) {
            vertx.close().await();
        }
    }

    @Test
    void aClientHoardingTimeAnswersBehindAZeroWindowIsClosed() throws Exception {
        ApiVerticle api = new ApiVerticle(new ManualTimeSource(T0), new MonotonicReader(),
                TestMesh.node(new ManualTimeSource(T0)), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        vertx = Vertx.vertx();
        vertx.deployVerticle(api, new DeploymentOptions().setConfig(new JsonObject().put("httpHost", "127.0.0.1")
                .put("httpPort", 0).put("http", new JsonObject().put("h2c", true)))).await();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), api.httpPort())) {
            ByteArrayOutputStream attack = new ByteArrayOutputStream();
            attack.write(Http2Frames.preface());
            attack.write(Http2Frames.settingsInitialWindowZero());
            for (int stream = 0; stream < 200; stream++) {
                attack.write(Http2Frames.get(2 * stream + 1, "/time"));
            }
            try {
                socket.getOutputStream().write(attack.toByteArray());
            } catch (SocketException closedMidway) {
                // closed before every stream was read
            }
            socket.setSoTimeout(5_000);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[16_384];
            boolean closed = false;
            try {
                while (in.read(buffer) >= 0) {
                    // frames
                }
                closed = true;
            } catch (SocketTimeoutException open) {
                closed = false;
            } catch (SocketException reset) {
                closed = true;
            }
            assertThat(closed).as("a connection hoarding /time answers is closed").isTrue();
        }
    }
}
