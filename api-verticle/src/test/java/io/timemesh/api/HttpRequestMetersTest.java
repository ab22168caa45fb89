package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** {@link HttpRequestMeters} writes the series Vert.x's own HTTP server metrics write, with the same counts. */
class HttpRequestMetersTest {

    /** The same requests against a server metered by Vert.x's metrics and one metered by ours. */
    @Test
    void theSeriesAndCountsAreVertxsOwn() throws Exception {
        Map<String, Double> vertxs = serveAndRead(MicrometerMetricsFactory::new, true);
        Map<String, Double> ours = serveAndRead(HttpRequestMeters::factory, true);
        assertThat(ours).isEqualTo(vertxs);
        assertThat(ours).containsEntry("vertx.http.server.requests{code=200,method=GET}", 5.0)
                .containsEntry("vertx.http.server.requests{code=404,method=GET}", 1.0)
                .containsEntry("vertx.http.server.requests{code=405,method=HEAD}", 1.0)
                .containsEntry("vertx.http.server.response.time{code=200,method=GET}", 5.0)
                .containsEntry("vertx.http.server.active.requests{method=GET}", 0.0);
    }

    @Test
    void aDisabledHttpServerDomainLeavesEveryHttpServerSeriesOut() throws Exception {
        assertThat(serveAndRead(HttpRequestMeters::factory, false)).isEmpty();
    }

    /**
     * Serves GET /time (so HEAD gets 405), asked five GET /time, one HEAD /time and one GET /nothing over one connection, and
     * returns every request-level HTTP server meter as "name{tags}" with its count (a gauge's value).
     */
    private static Map<String, Double> serveAndRead(Function<MeterRegistry, VertxMetricsFactory> factory,
                                                    boolean httpServer) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerMetricsOptions options = new MicrometerMetricsOptions().setEnabled(true);
        if (!httpServer) {
            options.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER);
        }
        Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(options))
                .withMetrics(factory.apply(registry)).build();
        try {
            Router router = Router.router(vertx);
            router.get("/time").handler(ctx -> ctx.end("{}"));
            int port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await().actualPort();
            var client = vertx.createHttpClient();
            for (int i = 0; i < 5; i++) {
                client.request(HttpMethod.GET, port, "127.0.0.1", "/time")
                        .compose(r -> r.send().compose(HttpClientResponse::body)).await();
            }
            client.request(HttpMethod.HEAD, port, "127.0.0.1", "/time")
                    .compose(r -> r.send().compose(HttpClientResponse::body)).await();
            client.request(HttpMethod.GET, port, "127.0.0.1", "/nothing")
                    .compose(r -> r.send().compose(HttpClientResponse::body)).await();
            client.close().await();
            Map<String, Double> meters = new TreeMap<>();
            for (Meter meter : registry.getMeters()) {
                Meter.Id id = meter.getId();
                if (id.getName().startsWith("vertx.http.server") && id.getTag("method") != null) {
                    String key = id.getName() + id.getTags().stream().map(t -> t.getKey() + "=" + t.getValue())
                            .reduce((a, b) -> a + "," + b).map(t -> "{" + t + "}").orElse("");
                    // A summary's or timer's first measurement is its count; a counter's or gauge's its value.
                    meters.put(key, meter.measure().iterator().next().getValue());
                }
            }
            return meters;
        } finally {
            vertx.close().await();
        }
    }
}
