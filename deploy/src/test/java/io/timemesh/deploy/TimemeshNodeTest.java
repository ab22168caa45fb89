package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.concurrent.FastThreadLocalThread;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.sampler.HostResolver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TimemeshNodeTest {

    @Test
    void httpMetricsCanBeLeftOutWhileTheTimemeshSeriesStay() throws Exception {
        for (boolean httpMetrics : new boolean[] {true, false}) {
            JsonObject config = new JsonObject().put("nodeName", "metrics").put("sources", new JsonArray().add("127.0.0.1:9"))
                    .put("httpHost", "127.0.0.1").put("httpPort", 0).put("httpMetrics", httpMetrics);
            TimemeshNode node = TimemeshNode.start(new NodeConfig(config), new MonotonicTimescale(),
                    HostResolver.IP_LITERALS_ONLY).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            try {
                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + node.httpPort();
                http.send(HttpRequest.newBuilder(URI.create(base + "/time")).build(), HttpResponse.BodyHandlers.ofString());
                String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("timemesh_clock_status");
                assertThat(metrics.contains("vertx_http_server_requests")).as("HTTP server series with httpMetrics "
                        + httpMetrics).isEqualTo(httpMetrics);
            } finally {
                node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Each NTP server instance answers on a thread of its own, none of Vert.x's, so a flood cannot starve HTTP. */
    @Test
    void everyNtpServerInstanceAnswersOnAThreadOfItsOwn() throws Exception {
        JsonObject config = new JsonObject().put("nodeName", "threads").put("sources", new JsonArray().add("127.0.0.1:9"))
                .put("httpHost", "127.0.0.1").put("httpPort", 0).put("ntpHost", "127.0.0.1").put("ntpPort", 0);
        TimemeshNode node = TimemeshNode.start(new NodeConfig(config), new MonotonicTimescale(),
                HostResolver.IP_LITERALS_ONLY).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        List<Thread> threads;
        try {
            threads = node.ntpServingThreads();
            assertThat(threads).isNotEmpty().doesNotHaveDuplicates().allMatch(Thread::isAlive)
                    .noneMatch(thread -> thread instanceof FastThreadLocalThread); // Vert.x's loops and workers are
        } finally {
            node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        assertThat(threads).noneMatch(Thread::isAlive); // stopping the node ends them
    }

    @Test
    void anNtpPortHeldByAnotherProcessIsRefusedThoughItsSocketAllowsSharing() throws Exception {
        try (DatagramChannel other = DatagramChannel.open()) {
            other.setOption(StandardSocketOptions.SO_REUSEPORT, true); // as another node's NTP server would
            other.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) other.getLocalAddress()).getPort();
            JsonObject config = new JsonObject().put("nodeName", "second").put("sources", new JsonArray().add("127.0.0.1:9"))
                    .put("httpHost", "127.0.0.1").put("httpPort", 0).put("ntpHost", "127.0.0.1").put("ntpPort", port);
            var start = TimemeshNode.start(new NodeConfig(config), new MonotonicTimescale(), HostResolver.IP_LITERALS_ONLY)
                    .toCompletionStage().toCompletableFuture();
            assertThatThrownBy(() -> start.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().hasMessageContaining("NTP (UDP) listener on 127.0.0.1:" + port)
                    .hasMessageContaining("Address already in use").cause().isInstanceOf(IOException.class);
        }
    }

    @Test
    void aNodeThatCannotStartFailsWithTheCauseInsteadOfHanging() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            JsonObject config = new JsonObject().put("nodeName", "blocked").put("sources", new JsonArray().add("127.0.0.1:9"))
                    .put("httpHost", "127.0.0.1").put("httpPort", taken.getLocalPort());
            var start = TimemeshNode.start(new NodeConfig(config), new MonotonicTimescale(), HostResolver.IP_LITERALS_ONLY)
                    .toCompletionStage().toCompletableFuture();
            // Generous for a cold JVM forming its one-member cluster; a hang never ends at all.
            assertThatThrownBy(() -> start.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().hasMessageContaining("HTTP listener on 127.0.0.1:" + taken.getLocalPort())
                    .hasMessageContaining("Address already in use") // NIO or epoll
                    .cause().isInstanceOf(IOException.class);
        }
    }
}
