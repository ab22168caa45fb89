package io.timemesh.api;

import io.timemesh.core.settings.Settings;
import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.SourceState;
import io.timemesh.core.time.TimeSource;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Route;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timemesh.core.message.Reference;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.ext.healthchecks.Status;
import io.vertx.core.Promise;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.TimeReading;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /time, /sources and /status over HTTP, and {@code timemesh.time} on the event bus. Time is read
 * from the newest {@link ClockModel} the node's discipline published, so /time needs no hop; /sources
 * and /status ask the active selector. Every error is JSON with a 4xx or 5xx status, never a trace.
 */
public final class ApiVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
    static final int MAX_DECISIONS = 64;
    /**
     * ASCII digits only (Integer.parseInt alone also reads "٥" or "５"), at most nine of them after leading zeros,
     * so parsing can neither fail nor overflow.
     */
    private static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?0*[0-9]{1,9}");

    private static final String TIME_PATH = "/time";
    /** The content type of GET /time, encoded once as Netty's headers keep it. */
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

    /** The methods every route answers; HEAD as GET without the body. */
    private static final String ALLOWED_METHODS = "GET, HEAD";
    /**
     * How long one scrape of the registry serves GET /metrics, ns. A scrape walks every meter on the event loop;
     * Prometheus asks every 15 s or so, while a flood of /metrics (or HTTP/2 streams hoarding it) would otherwise
     * pay for a scrape per request.
     */
    private static final long SCRAPE_REUSE_NANOS = 1_000_000_000L;
    /**
     * How long the sources' views one scrape asked the selector for serve later scrapes, ns: a flood of /metrics asks
     * no more often than the 2 s timer these asks replaced.
     */
    private static final long SOURCES_REUSE_NANOS = 2_000_000_000L;

    /** Unpredictable nonces: an uninvited member that could guess them could collect answers in advance. */
    private static final SecureRandom NONCES = new SecureRandom();

    private final ClockView clock;
    private final MeshAuth auth;
    private final PrometheusMeterRegistry registry;
    private final ClockHistory history = new ClockHistory(ClockHistory.CAPACITY);
    private ApiSettings settings;
    private HttpServer server;
    private ConnectionGuard guard;
    /** The last scrape, encoded once: each answer sends a slice of it, not a new UTF-8 copy of 20 KB. */
    private Buffer scrape;
    private long scrapedAtNanos;
    /** The scrape under way (the selector asked for its sources' views), which later requests wait for; else null. */
    private Future<Buffer> scraping;
    /** When (System.nanoTime) a scrape last asked the selector for the sources' views; null before the first. */
    private Long sourcesAskedAtNanos;
    /** timemesh's own gauges; null without a registry. */
    private MeshMetrics meshMetrics;

    /**
     * @param clock  the node's local timescale
     * @param reader the node's one monotonic reader, shared by every API instance on the node
     * @param auth   seals event-bus time answers and checks the selector's answers
     */
    public ApiVerticle(TimeSource clock, MonotonicReader reader, MeshAuth auth) {
        this(clock, reader, auth, null);
    }

    /** @param registry the node's Prometheus registry, served at GET /metrics; null for none */
    public ApiVerticle(TimeSource clock, MonotonicReader reader, MeshAuth auth, PrometheusMeterRegistry registry) {
        this.clock = new ClockView(clock, reader);
        this.auth = auth;
        this.registry = registry;
    }

    @Override
    public Future<?> start() {
        String config = config().encode();
        // Off the event loop: binding checks the files of http.tls.
        return vertx.executeBlocking(() -> Settings.bind(ApiSettings.class, config))
                .recover(e -> Future.failedFuture(new IllegalArgumentException("api config: " + e.getMessage(), e)))
                .compose(this::serve);
    }

    /** Registers the event-bus consumers and starts the HTTP server with its settings bound. */
    private Future<HttpServer> serve(ApiSettings bound) {
        settings = bound;
        var time = vertx.eventBus().consumer(EventBusAddresses.TIME, m -> m.reply(timeAnswer(m.body())));
        Future<Void> metrics = registry == null ? Future.succeededFuture() : followForMetrics();
        HttpLimits limits = settings.http();
        guard = new ConnectionGuard(vertx, limits, clock);
        HttpServerOptions options = new HttpServerOptions().setIdleTimeout(limits.idleTimeoutMillis())
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS).setMaxInitialLineLength(limits.maxInitialLineBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes()).setHttp2ClearTextEnabled(limits.h2c())
                .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(limits.http2MaxConcurrentStreams())
                        .setMaxHeaderListSize(limits.maxHeaderBytes())) // HTTP/2's headers bounded as HTTP/1's
                .setHttp2RstFloodMaxRstFramePerWindow(limits.http2MaxResetsPerWindow())
                .setHttp2RstFloodWindowDuration(limits.http2ResetWindowSeconds())
                .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS)
                // No WebSocket is served: without compression to negotiate, Vert.x leaves out the handler that looks
                // for a WebSocket upgrade in every request and every answer (about 4 % of GET /time, issue 14).
                .setPerFrameWebSocketCompressionSupported(false).setPerMessageWebSocketCompressionSupported(false);
        if (limits.tls() != null) {
            limits.tls().apply(options, limits.headerTimeoutMillis());
        }
        vertx.setPeriodic(ClockHistory.STEP_SECONDS * 1_000L, id -> history.record(clock.read(), clock.model()));
        return Future.all(clock.follow(vertx), time.completion(), metrics)
                .compose(v -> ChannelLimits.createServer(vertx, options, guard::onAccept)
                        .connectionHandler(guard::onConnection)
                        .invalidRequestHandler(ApiVerticle::invalidRequest).requestHandler(requests(guard))
                        .listen(settings.httpPort(), settings.httpHost())
                        .recover(e -> listenFailed("HTTP", settings.httpHost(), settings.httpPort(), e)))
                .onSuccess(s -> {
                    server = s;
                    LOG.info("HTTP API on {}://{}:{}", limits.tls() == null ? "http" : "https", settings.httpHost(),
                            s.actualPort());
                });
    }

    /**
     * A listener that could not bind, named with its address so the user knows which one ("Address already in
     * use" alone does not say whether it was HTTP or NTP, or which port).
     */
    static <T> Future<T> listenFailed(String listener, String host, int port, Throwable cause) {
        return Future.failedFuture(new IllegalStateException(listener + " listener on " + host + ":" + port + ": "
                + cause.getMessage(), cause));
    }

    /** GET /time requests answered below Vert.x so far ({@link DirectTime}; tests). */
    long directAnswers() {
        return guard.directAnswers();
    }

    /** The port the HTTP server got (useful when configured with 0). */
    public int httpPort() {
        return server.actualPort();
    }

    /**
     * Every request: a plain GET or HEAD of /time (no query, the traffic a node is sized for) is answered here, past the
     * router, with the guard's checks; all others go through the router, /time with a query or a trailing slash too.
     * Routing cost a tenth of /time's throughput (issue 14), for a decision this one comparison makes.
     */
    private Handler<HttpServerRequest> requests(ConnectionGuard guard) {
        Router router = router(guard);
        return request -> {
            HttpMethod method = request.method();
            if (TIME_PATH.equals(request.uri()) && (method == HttpMethod.GET || method == HttpMethod.HEAD)) {
                guard.serve(request, this::time);
            } else {
                router.handle(request);
            }
        };
    }

    /**
     * GET /time's answer: the clock's reading as {@link TimeJson} with 200, or, should reading or encoding it fail, 500
     * with a JSON error as the router's error handler answers (the connection closed when the head is already out).
     */
    private void time(HttpServerRequest request) {
        try {
            HttpServerResponse response = request.response();
            response.headers().add(HttpHeaders.CONTENT_TYPE, JSON); // a new answer's headers hold none: add, not set
            response.end(TimeJson.encode(clock.read()));
        } catch (RuntimeException e) {
            LOG.error("internal error serving {}", request.path(), e);
            if (request.response().headWritten()) {
                request.connection().close();
            } else {
                request.response().setStatusCode(500).putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                        .end(error("internal error").encode());
            }
        }
        ReadFlush.answered(ChannelLimits.channel(request.connection()));
    }

    private Router router(ConnectionGuard guard) {
        Router router = Router.router(vertx);
        router.route().handler(guard::onRequest);
        read(router, TIME_PATH).handler(ctx -> time(ctx.request()));
        read(router, "/").handler(StaticHandler.create("webroot")); // the dashboard page
        read(router, "/assets/*").handler(StaticHandler.create("webroot/assets"));
        read(router, "/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
        read(router, "/sources").handler(this::sources);
        read(router, "/status").handler(this::status);
        read(router, "/history").handler(this::history);
        if (registry != null) {
            read(router, "/metrics").handler(this::metrics);
        }
        read(router, "/health/live").handler(HealthCheckHandler.create(vertx)
                .register("event-loop", promise -> promise.complete(Status.OK())));
        read(router, "/health/ready").handler(HealthCheckHandler.create(vertx)
                .register("clock", this::clockReady)
                .register("selector", settings.selectorTimeoutMillis() + 500, this::selectorReady));
        // vertx-web fails with 400 on a query or path whose escapes do not decode (e.g. "?state=%"); without a
        // handler of ours that answer is plain text and vertx-web logs it at ERROR.
        router.errorHandler(400, ctx -> json(ctx, 400, error("bad request: " + badRequestReason(ctx))));
        router.errorHandler(404, ctx -> json(ctx, 404, error("no such resource: " + ctx.request().path())));
        router.errorHandler(405, ctx -> {
            ctx.response().putHeader(HttpHeaders.ALLOW, ALLOWED_METHODS);
            json(ctx, 405, error("method " + ctx.request().method() + " not allowed on " + ctx.request().path()
                    + "; allowed: " + ALLOWED_METHODS));
        });
        router.errorHandler(500, ctx -> {
            if (ctx.response().headWritten()) {
                // Failed mid-answer, as a file being sent does when the client goes away or reads nothing until the
                // write timeout: the client's doing, and too late for an error answer.
                LOG.debug("answer to {} cut short", ctx.request().path(), ctx.failure());
                ctx.request().connection().close();
                return;
            }
            LOG.error("internal error serving {}", ctx.request().path(), ctx.failure());
            json(ctx, 500, error("internal error"));
        });
        return router;
    }

    /**
     * The Prometheus text exposition (format 0.0.4, as Vert.x's scraping handler serves it), at most 1 s old. The
     * per-source gauges are refreshed from the selector when a scrape is due, not on a timer, as Prometheus advises
     * for collectors: the gauges are as fresh as the scrape (or at most {@link #SOURCES_REUSE_NANOS} old), and a node
     * nobody scrapes does not build, seal and read every source's view. Should the selector not answer within
     * {@code selectorTimeoutMillis}, the scrape shows the views last received (their sample ages still growing).
     */
    private void metrics(RoutingContext ctx) {
        long now = System.nanoTime();
        if (scrape != null && now - scrapedAtNanos < SCRAPE_REUSE_NANOS) {
            sendScrape(ctx, scrape);
            return;
        }
        Future<Buffer> pending = scraping;
        if (pending == null) {
            boolean ask = sourcesAskedAtNanos == null || now - sourcesAskedAtNanos >= SOURCES_REUSE_NANOS;
            Future<Void> views = ask ? refreshSources(now) : Future.succeededFuture();
            pending = views.transform(ignored -> {
                try {
                    scrape = Buffer.buffer(registry.scrape());
                } finally {
                    scrapedAtNanos = System.nanoTime(); // a scrape that threw is not retried by every request
                }
                return Future.succeededFuture(scrape);
            });
            // Later requests wait for this scrape; an ask that failed at once (no selector's handler on this node)
            // has completed it already, and it must not stay in place.
            if (!pending.isComplete()) {
                Future<Buffer> started = pending;
                scraping = started;
                started.onComplete(done -> scraping = null);
            }
        }
        pending.onComplete(text -> {
            if (text.succeeded()) {
                sendScrape(ctx, text.result());
            } else {
                ctx.fail(text.cause());
            }
        });
    }

    /** Asks the selector for every source's view for the per-source gauges; completes when answered or not. */
    private Future<Void> refreshSources(long now) {
        sourcesAskedAtNanos = now;
        return Future.<Object>future(asked -> askSelector(EventBusAddresses.SELECTOR_SOURCES, new JsonObject())
                        .onComplete(asked))
                .andThen(views -> {
                    if (views.succeeded()) {
                        meshMetrics.onSources((JsonArray) views.result());
                    }
                }).mapEmpty();
    }

    private static void sendScrape(RoutingContext ctx, Buffer text) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(text);
    }

    /** A route answering GET, and HEAD as GET without the body (Vert.x drops a HEAD response's body). */
    private static Route read(Router router, String path) {
        return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
    }

    /**
     * What Netty could not parse (a request line or headers too long, a malformed request) or a version not spoken
     * here ({@link ChannelLimits}): our JSON error with 414, 431, 505 or 400, then the connection is closed, as
     * Vert.x's own handler does, since the rest of its bytes cannot be framed.
     */
    private static void invalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status = cause instanceof TooLongHttpLineException ? 414 : cause instanceof TooLongHttpHeaderException ? 431
                : cause instanceof ChannelLimits.UnsupportedVersion version ? version.status() : 400;
        String reason = status == 414 ? "request line too long" : status == 431 ? "request headers too large"
                : cause instanceof ChannelLimits.UnsupportedVersion ? cause.getMessage()
                : "malformed request" + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage());
        request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close").end(error(reason).encode())
                .onComplete(v -> request.connection().close());
    }

    private Future<Void> followForMetrics() {
        meshMetrics = new MeshMetrics(registry, clock);
        // Only what this node's discipline authenticated and applied: never a forged reference's figures.
        return vertx.eventBus().<JsonObject>localConsumer(EventBusAddresses.REFERENCE_APPLIED,
                m -> meshMetrics.onReference(m.body().mapTo(Reference.class))).completion();
    }

    /** Ready to serve: a bound, not UNSYNCHRONIZED, no wider than the configured limit. */
    private void clockReady(Promise<Status> promise) {
        TimeReading reading = clock.read();
        JsonObject data = new JsonObject().put("status", reading.status().name())
                .put("errorBoundSeconds", reading.bounded() ? reading.errorBoundNanos() / 1e9 : null)
                .put("limitSeconds", settings.readyMaxErrorBoundSeconds());
        boolean ready = reading.bounded() && reading.status() != ClockStatus.UNSYNCHRONIZED
                && reading.errorBoundNanos() / 1e9 <= settings.readyMaxErrorBoundSeconds();
        promise.complete(ready ? Status.OK(data) : Status.KO(data));
    }

    /**
     * The cluster has an active selector that answers, and it is the leader whose authenticated references
     * this node follows: a member that answers as selector but publishes nothing authentic (an uninvited
     * one) is named, and the node is not ready. Without a selector, time soon goes into holdover.
     */
    private void selectorReady(Promise<Status> promise) {
        askSelector(EventBusAddresses.SELECTOR_STATUS, new JsonObject().put("decisions", 0)).onComplete(reply -> {
            if (reply.failed()) {
                promise.complete(Status.KO(new JsonObject().put("error", reply.cause().getMessage())));
                return;
            }
            JsonObject selection = (JsonObject) reply.result();
            String selector = selection.getString("selectorNode");
            JsonObject data = new JsonObject().put("selectorNode", selector)
                    .put("leaseSquatter", selection.getValue("leaseSquatter"));
            meshStatus().onComplete(mesh -> {
                String followed = mesh.succeeded() ? mesh.result().getString("leader") : null;
                data.put("authenticatedLeader", followed);
                if (followed == null || !followed.equals(selector)) {
                    promise.complete(Status.KO(data.put("error", "selector " + selector + " answers, but the "
                            + "authenticated references come from " + (followed == null ? "nobody" : followed))));
                } else {
                    promise.complete(Status.OK(data));
                }
            });
        });
    }

    private void sources(RoutingContext ctx) {
        List<String> states = ctx.queryParam("state");
        if (states.size() > 1 || (states.size() == 1 && !SourceState.labels().contains(states.get(0)))) {
            json(ctx, 400, error("state must be one of " + SourceState.labels().stream().sorted().toList()));
            return;
        }
        askSelector(EventBusAddresses.SELECTOR_SOURCES, new JsonObject()).onComplete(reply -> {
            if (reply.failed()) {
                json(ctx, 503, error("no active selector answered: " + reply.cause().getMessage()));
                return;
            }
            JsonArray all = (JsonArray) reply.result();
            JsonArray shown = states.isEmpty() ? all : new JsonArray(all.stream()
                    .filter(o -> states.get(0).equals(((JsonObject) o).getString("state"))).toList());
            ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(shown.encode());
        });
    }

    private void status(RoutingContext ctx) {
        Integer decisions = intParam(ctx, "decisions", 10, 0, MAX_DECISIONS);
        if (decisions == null) {
            return;
        }
        long now = clock.localNanos();
        ClockModel m = clock.model();
        JsonObject tracking = StatusJson.of(m, clock.reader().read(m, now), now);
        askSelector(EventBusAddresses.SELECTOR_STATUS, new JsonObject().put("decisions", decisions)).onComplete(reply -> {
            if (reply.succeeded()) {
                tracking.put("selection", reply.result());
            } else {
                tracking.put("selection", null).put("selectionError", "no active selector answered: "
                        + reply.cause().getMessage());
            }
            meshStatus().onComplete(mesh -> json(ctx, 200, tracking.put("mesh", mesh.succeeded() ? mesh.result() : null)));
        });
    }

    /** The clock's last {@code seconds} (1 to 3600, default all of the hour kept): see {@link ClockHistory#encode}. */
    private void history(RoutingContext ctx) {
        Integer seconds = intParam(ctx, "seconds", ClockHistory.CAPACITY * ClockHistory.STEP_SECONDS, 1,
                ClockHistory.CAPACITY * ClockHistory.STEP_SECONDS);
        if (seconds != null) {
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(history.encode(clock.read().nowNanos(), seconds));
        }
    }

    /** This node's discipline's view of the mesh: the leader it follows and every message refused. */
    private Future<JsonObject> meshStatus() {
        return vertx.eventBus().<JsonObject>request(EventBusAddresses.MESH_STATUS, null,
                new DeliveryOptions().setLocalOnly(true).setSendTimeout(settings.selectorTimeoutMillis())).map(Message::body);
    }

    /**
     * The active selector's answer to a sealed request: sealed by a member and for this request's nonce,
     * else a failure (and the refusal counted): an uninvited member answering on the selector's addresses
     * is not shown.
     */
    private Future<Object> askSelector(String address, JsonObject body) {
        long nonce = NONCES.nextLong();
        return vertx.eventBus().request(address, auth.seal(address, body.copy().put("nonce", nonce)),
                        new DeliveryOptions().setSendTimeout(settings.selectorTimeoutMillis()))
                .compose(m -> auth.openReply(address, address, null, nonce, m.body())
                        .map(reply -> Future.succeededFuture(reply.getValue("answer")))
                        .orElseGet(() -> Future.failedFuture("an answer not sealed by a member for this request")));
    }

    /**
     * GET /time's JSON for an event-bus request; sealed, with the request's nonce, when the request
     * carries one, so that a client with the cluster key can tell it from an uninvited member's.
     */
    private Object timeAnswer(Object request) {
        JsonObject answer = TimeJson.of(clock.read());
        if (request instanceof JsonObject asked && asked.getValue("nonce") instanceof Number nonce) {
            return auth.seal(EventBusAddresses.TIME, answer.put("nonce", nonce.longValue()));
        }
        return answer;
    }

    /** The integer parameter, its default when absent, or null after answering 400. */
    private static Integer intParam(RoutingContext ctx, String name, int fallback, int min, int max) {
        List<String> values = ctx.queryParam(name);
        if (values.isEmpty()) {
            return fallback;
        }
        if (values.size() == 1 && WHOLE_NUMBER.matcher(values.get(0)).matches()) {
            int value = Integer.parseInt(values.get(0));
            if (value >= min && value <= max) {
                return value;
            }
        }
        json(ctx, 400, error(name + " must be one whole number from " + min + " to " + max));
        return null;
    }

    /** What vertx-web found wrong: the cause of its failure (e.g. an unterminated escape), else its status text. */
    private static String badRequestReason(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure == null) {
            return "malformed request";
        }
        return failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage();
    }

    private static JsonObject error(String message) {
        return new JsonObject().put("error", message);
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }
}
