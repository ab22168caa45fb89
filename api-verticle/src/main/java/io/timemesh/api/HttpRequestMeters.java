package io.timemesh.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MetricsNaming;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The per-request part of Vert.x's HTTP server metrics, with every meter resolved once and kept. Vert.x's own
 * (vertx-micrometer-metrics 5.0) builds a meter id from tags and searches the registry for five meters on every
 * request, re-registering the active-requests gauge each time: on GET /time that was a fifth of the event
 * loop's time (JFR under wrk, issue 14), and the largest single cost of {@code /time} against a bare endpoint.
 *
 * <p>The series are Vert.x's, under the names of the options' {@link MetricsNaming} and with Vert.x's default
 * labels, so dashboards and alert rules read them unchanged: {@code vertx_http_server_requests_total},
 * {@code _response_time_seconds} and {@code _response_bytes} by {@code code} and {@code method};
 * {@code _request_bytes}, {@code _active_requests} and {@code _request_resets_total} by {@code method}. Every
 * request counts, {@code /time} included. The connection-level series (active connections, bytes read and
 * written, errors) stay Vert.x's own. The method label is a closed set: a method a client invents is
 * {@value #OTHER}, so no client can add series (a scrape of tens of thousands would take seconds and the heap).
 * No route or path label is written (Vert.x's defaults write none either).
 *
 * <p>Chosen over a {@code MeterFilter} that drops {@code /time}'s series: a filter applies when a meter is
 * created, not to Vert.x's per-request lookups, and {@code /time} is the route whose traffic operators want to
 * see.
 */
public final class HttpRequestMeters implements HttpServerMetrics<HttpRequestMeters.Request, Void, Object> {
    /** The method label of any method outside {@link #KNOWN_METHODS}. */
    public static final String OTHER = "other";
    /** The methods that keep their own label, the most frequent first (each request searches them in order). */
    private static final List<HttpMethod> KNOWN_METHODS = List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
            HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.OPTIONS, HttpMethod.PATCH, HttpMethod.TRACE,
            HttpMethod.CONNECT);
    /** Status codes 0–999 are kept in an array; anything else is looked up in the registry each time. */
    private static final int CODES = 1000;

    private final MeterRegistry registry;
    private final MetricsNaming names;
    /** Vert.x's metrics of the same server, for the connection-level series. */
    private final HttpServerMetrics<Object, Object, Object> connections;
    /**
     * By the method's place in {@link #KNOWN_METHODS}, {@link #OTHER}'s last; each created when a request first
     * carries it (as Vert.x creates its series). Read on every request: an array slot, not a map's lookup (4 % of
     * GET /time's event loop in JFR, issue 14).
     */
    private final AtomicReferenceArray<MethodMeters> byMethod = new AtomicReferenceArray<>(KNOWN_METHODS.size() + 1);

    @SuppressWarnings("unchecked")
    private HttpRequestMeters(MeterRegistry registry, MetricsNaming names, HttpServerMetrics<?, ?, ?> connections) {
        this.registry = registry;
        this.names = names;
        this.connections = (HttpServerMetrics<Object, Object, Object>) connections;
    }

    /**
     * Vert.x's Micrometer metrics in {@code registry}, with this class in place of their per-request HTTP server
     * part. Use it as {@code Vertx.builder().withMetrics(...)}; the options' {@link MicrometerMetricsOptions} say
     * what is enabled, as for {@link MicrometerMetricsFactory} (a disabled {@code HTTP_SERVER} domain leaves every
     * HTTP server series out).
     *
     * @param registry where every meter goes; give it its meter filters before Vert.x is built
     * @return a factory for {@code Vertx.builder().withMetrics}
     */
    public static VertxMetricsFactory factory(MeterRegistry registry) {
        return new Factory(registry);
    }

    @Override
    public Request requestBegin(Object socket, HttpRequest request) {
        MethodMeters meters = meters(request.method());
        meters.active.increment();
        return new Request(meters, System.nanoTime());
    }

    private MethodMeters meters(HttpMethod method) {
        int slot = 0;
        while (slot < KNOWN_METHODS.size() && !KNOWN_METHODS.get(slot).equals(method)) {
            slot++;
        }
        MethodMeters meters = byMethod.get(slot);
        return meters != null ? meters : create(slot);
    }

    /**
     * A method's meters, made once: its active-requests gauge reads the counter of the meters that registered it
     * first, so event loops racing to make them must all get that one.
     */
    private synchronized MethodMeters create(int slot) {
        MethodMeters meters = byMethod.get(slot);
        if (meters == null) {
            meters = new MethodMeters(slot < KNOWN_METHODS.size() ? KNOWN_METHODS.get(slot).name() : OTHER);
            byMethod.set(slot, meters);
        }
        return meters;
    }

    @Override
    public void requestEnd(Request request, HttpRequest http, long bytesRead) {
        request.meters.requestBytes.record(bytesRead);
        if (request.requestEnded()) {
            request.meters.active.decrement();
        }
    }

    @Override
    public void requestReset(Request request) {
        // Rare (a client gave up mid-request): looked up in the registry, so the series exists only once it counts.
        Counter.builder(names.getHttpRequestResetsCount()).description("Number of request resets")
                .tag("method", request.meters.method).register(registry).increment();
        request.reset = true;
        request.meters.active.decrement();
    }

    @Override
    public Request responsePushed(Object socket, HttpMethod method, String uri, HttpResponse response) {
        MethodMeters meters = meters(method);
        meters.active.increment();
        return new Request(meters, System.nanoTime());
    }

    @Override
    public void responseEnd(Request request, HttpResponse response, long bytesWritten) {
        request.meters.code(response.statusCode()).record(System.nanoTime() - request.startNanos, bytesWritten);
        if (request.responseEnded()) {
            request.meters.active.decrement();
        }
    }

    /**
     * A request answered below Vert.x ({@link DirectTime}), counted in the same series as one Vert.x answers: its
     * request bytes (Vert.x counts a body's), the answer's count, time and body bytes. Never active across calls, so
     * the active-requests gauge is left as it is. Event-loop thread.
     *
     * @param nanos from the request head's decoding to the answer's write, ns
     */
    void answered(HttpMethod method, int status, long requestBytes, long responseBytes, long nanos) {
        MethodMeters meters = meters(method);
        meters.requestBytes.record(requestBytes);
        meters.code(status).record(nanos, responseBytes);
    }

    /** No WebSocket is served here; Vert.x's WebSocket gauge needs its own request metric, so none is kept. */
    @Override
    public Void connected(Object socket, Request request, ServerWebSocket webSocket) {
        return null;
    }

    @Override
    public Object connected(SocketAddress remoteAddress, String remoteName) {
        return connections.connected(remoteAddress, remoteName);
    }

    @Override
    public void disconnected(Object socket, SocketAddress remoteAddress) {
        connections.disconnected(socket, remoteAddress);
    }

    @Override
    public void bytesRead(Object socket, SocketAddress remoteAddress, long numberOfBytes) {
        connections.bytesRead(socket, remoteAddress, numberOfBytes);
    }

    @Override
    public void bytesWritten(Object socket, SocketAddress remoteAddress, long numberOfBytes) {
        connections.bytesWritten(socket, remoteAddress, numberOfBytes);
    }

    @Override
    public void exceptionOccurred(Object socket, SocketAddress remoteAddress, Throwable t) {
        connections.exceptionOccurred(socket, remoteAddress, t);
    }

    @Override
    public void close() {
        connections.close();
    }

    /** One request in progress: its method's meters, when it began, and which of its ends came (Vert.x's rule). */
    static final class Request {
        private final MethodMeters meters;
        private final long startNanos;
        private boolean requestEnded;
        private boolean responseEnded;
        private boolean reset;

        private Request(MethodMeters meters, long startNanos) {
            this.meters = meters;
            this.startNanos = startNanos;
        }

        /** @return whether the request is over (both ends came, no reset) */
        private boolean requestEnded() {
            requestEnded = true;
            return !reset && responseEnded;
        }

        private boolean responseEnded() {
            responseEnded = true;
            return !reset && requestEnded;
        }
    }

    private record CodeMeters(Counter requests, Timer responseTime, DistributionSummary responseBytes) {
        /** One answer: counted, its time (ns) and body bytes recorded. */
        void record(long nanos, long bytes) {
            requests.increment();
            responseTime.record(nanos, TimeUnit.NANOSECONDS);
            responseBytes.record(bytes);
        }
    }

    /** The meters of one method label, and of each status code answered to it (created on first use). */
    private final class MethodMeters {
        final String method;
        final LongAdder active = new LongAdder();
        final DistributionSummary requestBytes;
        final AtomicReferenceArray<CodeMeters> codes = new AtomicReferenceArray<>(CODES);

        MethodMeters(String method) {
            this.method = method;
            Gauge.builder(names.getHttpActiveRequests(), active, LongAdder::doubleValue).strongReference(true)
                    .description("Number of requests being processed").tag("method", method).register(registry);
            requestBytes = DistributionSummary.builder(names.getHttpRequestBytes())
                    .description("Size of requests in bytes").tag("method", method).register(registry);
        }

        CodeMeters code(int code) {
            if (code < 0 || code >= CODES) {
                return create(code);
            }
            CodeMeters meters = codes.get(code);
            if (meters == null) { // a race creates the same meters twice: the registry returns the first
                meters = create(code);
                codes.set(code, meters);
            }
            return meters;
        }

        private CodeMeters create(int code) {
            String label = Integer.toString(code);
            return new CodeMeters(
                    Counter.builder(names.getHttpRequestsCount()).description("Number of processed requests")
                            .tags("code", label, "method", method).register(registry),
                    Timer.builder(names.getHttpResponseTime()).description("Request processing time")
                            .tags("code", label, "method", method).register(registry),
                    DistributionSummary.builder(names.getHttpResponseBytes()).description("Size of responses in bytes")
                            .tags("code", label, "method", method).register(registry));
        }
    }

    /** {@link MicrometerMetricsFactory}, options included, making {@link Cheaper} metrics. */
    private static final class Factory implements VertxMetricsFactory {
        private final MicrometerMetricsFactory vertx;
        private final MeterRegistry registry;

        Factory(MeterRegistry registry) {
            this.vertx = new MicrometerMetricsFactory(registry);
            this.registry = registry;
        }

        @Override
        public VertxMetrics metrics(VertxOptions options) {
            MetricsNaming names = options.getMetricsOptions() instanceof MicrometerMetricsOptions micrometer
                    ? micrometer.getMetricsNaming() : new MicrometerMetricsOptions().getMetricsNaming();
            // Vert.x's names are relative to each domain's base name ("vertx.http.server.").
            return new Cheaper(vertx.metrics(options), registry,
                    names.withBaseName("vertx." + MetricsDomain.HTTP_SERVER.toCategory() + "."));
        }

        @Override
        public MetricsOptions newOptions() {
            return vertx.newOptions();
        }

        @Override
        public MetricsOptions newOptions(MetricsOptions options) {
            return vertx.newOptions(options);
        }

        @Override
        public MetricsOptions newOptions(JsonObject json) {
            return vertx.newOptions(json);
        }
    }

    /** Vert.x's metrics, every part as Vert.x makes it but the HTTP server's per-request part. */
    private static final class Cheaper implements VertxMetrics {
        private final VertxMetrics vertx;
        private final MeterRegistry registry;
        private final MetricsNaming names;

        Cheaper(VertxMetrics vertx, MeterRegistry registry, MetricsNaming names) {
            this.vertx = vertx;
            this.registry = registry;
            this.names = names;
        }

        @Override
        public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress local) {
            HttpServerMetrics<?, ?, ?> connections = vertx.createHttpServerMetrics(options, local);
            return connections == null ? null : new HttpRequestMeters(registry, names, connections);
        }

        @Override
        public EventBusMetrics<?> createEventBusMetrics() {
            return vertx.createEventBusMetrics();
        }

        @Override
        public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remote, String type, String namespace) {
            return vertx.createClientMetrics(remote, type, namespace);
        }

        @Override
        public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
            return vertx.createHttpClientMetrics(options);
        }

        @Override
        public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress local) {
            return vertx.createNetServerMetrics(options, local);
        }

        @Override
        public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
            return vertx.createNetClientMetrics(options);
        }

        @Override
        public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
            return vertx.createDatagramSocketMetrics(options);
        }

        @Override
        public PoolMetrics<?, ?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
            return vertx.createPoolMetrics(poolType, poolName, maxPoolSize);
        }

        @Override
        public void vertxCreated(io.vertx.core.Vertx created) {
            vertx.vertxCreated(created);
        }

        @Override
        public boolean isMetricsEnabled() {
            return vertx.isMetricsEnabled();
        }

        @Override
        public void close() {
            vertx.close();
        }
    }
}
