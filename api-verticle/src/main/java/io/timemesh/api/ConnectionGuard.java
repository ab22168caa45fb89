package io.timemesh.api;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link HttpLimits} Vert.x has no option for, on one HTTP server (with {@link ChannelLimits}, those that
 * need the connection's Netty pipeline): the connection cap (evicting the
 * connection that has waited longest for a request, so a flood of idle connections cannot shut out a
 * health probe), the request-head deadline (slowloris), the HTTP/2 unsent-response budget (a client that
 * grants no flow-control window), and the refusal of requests framed two ways (RFC 9112 §6.1).
 *
 * <p>Every method runs on the server's event loop (one verticle instance, one context), so nothing here is
 * locked.
 */
final class ConnectionGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private final Vertx vertx;
    private final HttpLimits limits;
    private final ClockView clock;
    /** Each socket's state, found from its channel without a lookup in {@link #open}. */
    private static final AttributeKey<Tracked> TRACKED = AttributeKey.newInstance("timemesh.connection-guard");
    /**
     * Open sockets, from the moment they are accepted, in the order they last began waiting for a request (access
     * order: {@link #awaitRequest} reads its entry): the first idle one is evicted first.
     */
    private final LinkedHashMap<Channel, Tracked> open = new LinkedHashMap<>(16, 0.75f, true);
    /** Sockets this guard closed whose close has not completed yet. */
    private final Set<Channel> closing = new HashSet<>();
    private long evicted;
    /** Written on the event loop only; volatile for tests that read it from their own thread. */
    private volatile long directAnswers;
    private boolean capPending;
    private static final long WARN_EVERY_NANOS = 10_000_000_000L;
    private long lastWarnNanos;
    private long suppressedWarnings;

    /** One socket's requests in progress, its head deadline, and (HTTP/2) the responses not yet sent. */
    private static final class Tracked {
        final Channel channel;
        /** What Vert.x made of the socket, once it has (with h2c on, only after its first bytes); else null. */
        HttpConnection connection;
        int inFlight;
        long headTimer = -1;
        /** When it last began waiting for a request ({@link System#nanoTime()}). */
        long waitingSinceNanos;
        /** Whether it is in {@link #open}: not closed, by its client or this guard. */
        boolean isOpen = true;
        /** Set once a request was refused: whatever the client pipelined behind it is not served. */
        boolean condemned;
        /** Set once Vert.x began a graceful shutdown of the connection. */
        boolean shuttingDown;
        final List<HttpServerResponse> http2Responses = new ArrayList<>();

        Tracked(Channel channel) {
            this.channel = channel;
        }

        /** For logs: the client's address. */
        Object remote() {
            return channel.remoteAddress();
        }
    }

    /**
     * @param clock GET /time's clock, for answers below Vert.x ({@link DirectTime}) on every connection without h2c;
     *              null for none (every request through Vert.x)
     */
    ConnectionGuard(Vertx vertx, HttpLimits limits, ClockView clock) {
        this.vertx = vertx;
        this.limits = limits;
        this.clock = clock;
    }

    /**
     * Every socket the server accepts, before Vert.x makes an HTTP connection of it ({@link
     * ChannelLimits#createServer}): from now on it counts against the cap and has the head deadline to send a request.
     */
    void onAccept(Channel channel) {
        Tracked tracked = new Tracked(channel);
        ChannelLimits.installOnAccept(channel, limits, () -> warnSparingly("HTTP client " + channel.remoteAddress()
                + " left a response unread for " + limits.writeTimeoutMillis() + " ms: closed its connection"),
                // Not with h2c: the first bytes then go to Vert.x's protocol sniffer, which ends direct answers anyway.
                clock == null || limits.h2c() ? null : new DirectTime(clock, () -> admitDirect(tracked)));
        open.put(channel, tracked);
        channel.attr(TRACKED).set(tracked);
        // On the channel's event loop, the server's.
        channel.closeFuture().addListener(f -> {
            forget(tracked);
            closing.remove(channel);
        });
        awaitRequest(tracked);
        if (open.size() > limits.maxConnections() && !capPending) {
            // Decided a millisecond later: in a burst, Netty registers many new connections before it reads any
            // of them, and a probe's request, already sent, would not yet count as in progress.
            capPending = true;
            vertx.setTimer(1, id -> enforceCap());
        }
    }

    /** The server's connection handler: the socket, accepted earlier, is now an HTTP/1 or HTTP/2 connection. */
    void onConnection(HttpConnection connection) {
        ChannelLimits.install(connection, limits);
        Tracked tracked = ChannelLimits.channel(connection).attr(TRACKED).get();
        if (tracked == null || !tracked.isOpen) { // closed by this guard meanwhile
            ChannelLimits.close(connection);
            return;
        }
        tracked.connection = connection;
        // Vert.x serves nothing more on a connection it shuts down gracefully; neither does DirectTime.
        connection.shutdownHandler(v -> tracked.shuttingDown = true);
    }

    private void enforceCap() {
        capPending = false;
        int over = open.size() - limits.maxConnections();
        if (over <= 0) {
            return;
        }
        evicted += over;
        warnSparingly("HTTP connections over the limit of " + limits.maxConnections() + ": closed the " + over
                + " idle longest (" + evicted + " so far)");
        Set<Tracked> victims = new LinkedHashSet<>();
        for (Tracked candidate : open.values()) {
            if (victims.size() == over) {
                break;
            }
            if (candidate.inFlight == 0) {
                victims.add(candidate);
            }
        }
        if (victims.size() < over) { // too few idle: the newest give way
            List<Tracked> newest = new ArrayList<>(open.values());
            for (int i = newest.size() - 1; victims.size() < over; i--) {
                victims.add(newest.get(i));
            }
        }
        victims.forEach(this::close);
    }

    /**
     * The router's first handler, for every request it routes: see {@link #begin} and {@link #admitted}; the request
     * counts until its response ends or its connection closes.
     */
    void onRequest(RoutingContext ctx) {
        Tracked tracked = begin(ctx.request());
        if (tracked == null) {
            return;
        }
        ctx.addEndHandler(done -> end(tracked));
        if (admitted(tracked, ctx.request(), ctx.response())) {
            ctx.next();
        }
    }

    /**
     * The same checks as {@link #onRequest} for a request served without the router (GET /time): {@code answer}
     * runs if the request is admitted and must end the response before it returns, as the request stops counting
     * then.
     */
    void serve(HttpServerRequest request, Handler<HttpServerRequest> answer) {
        Tracked tracked = begin(request);
        if (tracked == null) {
            return;
        }
        try {
            if (admitted(tracked, request, request.response())) {
                answer.handle(request);
            }
        } finally { // a request left counted would keep the head deadline from ever closing its connection
            end(tracked);
        }
    }

    /**
     * The checks of {@link #serve} for a GET /time that {@link DirectTime} answers below Vert.x: the head deadline
     * restarts and the connection moves to the back of the eviction order, as when a request Vert.x served ends. Such
     * a request has no Transfer-Encoding ({@link DirectTime#plainGet}) and is never HTTP/2.
     *
     * @return whether to answer it; false for a connection this guard closed or condemned, or with a request in
     * progress, which Vert.x's path then handles as it does
     */
    private boolean admitDirect(Tracked tracked) {
        if (!tracked.isOpen || tracked.condemned || tracked.shuttingDown || tracked.inFlight > 0) {
            return false;
        }
        awaitRequest(tracked);
        directAnswers++;
        return true;
    }

    /** GET /time requests answered below Vert.x so far (tests). */
    long directAnswers() {
        return directAnswers;
    }

    /**
     * Counts a request against its connection (which stops the head deadline from closing it), or closes a connection
     * this guard does not know.
     *
     * @return the connection's state, or null when it is being closed and the request is not to be served
     */
    private Tracked begin(HttpServerRequest request) {
        Channel channel = ChannelLimits.channel(request.connection());
        Tracked tracked = channel.attr(TRACKED).get();
        if (tracked != null && !tracked.isOpen) {
            tracked = null;
        }
        if (tracked == null || tracked.condemned) {
            // Being closed already (an HTTP/2 client may have sent a thousand streams in one go): nothing more is
            // done for it; the close disposes of the request.
            if (tracked == null && !closing.contains(channel)) {
                request.connection().close();
            }
            return null;
        }
        tracked.inFlight++;
        return tracked;
    }

    /** A request of the connection is over: once none is left, the head deadline runs again. */
    private void end(Tracked tracked) {
        tracked.inFlight--;
        if (tracked.inFlight == 0 && tracked.isOpen) {
            awaitRequest(tracked);
        }
    }

    /**
     * Refuses a request framed both by Content-Length and Transfer-Encoding, and closes an HTTP/2 connection whose
     * client leaves more than {@link HttpLimits#http2MaxQueuedResponses()} finished responses unread.
     *
     * @return whether the request may be served; if not, it was answered or its connection closed
     */
    private boolean admitted(Tracked tracked, HttpServerRequest request, HttpServerResponse response) {
        if (request.version() == HttpVersion.HTTP_2 && !admitHttp2(tracked, response)) {
            return false;
        }
        // Netty drops the Content-Length of a chunked HTTP/1.1 request before we see it, so every request with a
        // Transfer-Encoding is refused: no route here takes a body, and one framed two ways is how requests are
        // smuggled past a proxy. RFC 9112 §6.1: the connection must be closed after answering.
        if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
            tracked.condemned = true;
            response.setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end(new JsonObject().put("error", "bad request: a body framed by Transfer-Encoding"
                            + (request.headers().contains(HttpHeaders.CONTENT_LENGTH) ? " and Content-Length" : "")
                            + " is not accepted").encode())
                    .onComplete(v -> request.connection().close());
            return false;
        }
        return true;
    }

    private boolean admitHttp2(Tracked tracked, HttpServerResponse response) {
        tracked.http2Responses.removeIf(HttpServerResponse::closed);
        long unsent = tracked.http2Responses.stream().filter(HttpServerResponse::ended).count();
        if (unsent >= limits.http2MaxQueuedResponses()) {
            warnSparingly("HTTP/2 client " + tracked.remote() + " left " + unsent
                    + " responses unread (no flow-control window): closed its connection");
            close(tracked);
            return false;
        }
        tracked.http2Responses.add(response);
        return true;
    }

    /**
     * Starts the head deadline and moves the connection to the back of the eviction order. The deadline's timer is
     * set once and, when it fires early (requests came meanwhile), set again for what is left, rather than set and
     * cancelled around every request: on a kept-alive connection that was a tenth of GET /time's cost (issue 14).
     */
    private void awaitRequest(Tracked tracked) {
        open.get(tracked.channel); // to the back of the access order
        tracked.waitingSinceNanos = System.nanoTime();
        if (tracked.headTimer < 0) {
            armHeadTimer(tracked, limits.headerTimeoutMillis() * 1_000_000L);
        }
    }

    /** Closes the connection if it still waits for a request head {@code delayNanos} from now and has for long enough. */
    private void armHeadTimer(Tracked tracked, long delayNanos) {
        tracked.headTimer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos)), id -> {
            tracked.headTimer = -1;
            if (tracked.inFlight > 0 || !tracked.isOpen) {
                return; // set again once the requests end
            }
            long left = limits.headerTimeoutMillis() * 1_000_000L - (System.nanoTime() - tracked.waitingSinceNanos);
            if (left > 0) {
                armHeadTimer(tracked, left);
            } else {
                LOG.debug("no request head from {} within {} ms: closing", tracked.remote(),
                        limits.headerTimeoutMillis());
                close(tracked);
            }
        });
    }

    /** At most one line per {@link #WARN_EVERY_NANOS}: an attacker must not be able to flood the log. */
    private void warnSparingly(String message) {
        long now = System.nanoTime();
        if (now - lastWarnNanos >= WARN_EVERY_NANOS || lastWarnNanos == 0) {
            LOG.warn("{}{}", message, suppressedWarnings == 0 ? "" : " (" + suppressedWarnings + " like it not logged)");
            lastWarnNanos = now;
            suppressedWarnings = 0;
        } else {
            suppressedWarnings++;
        }
    }

    private void cancelHeadTimer(Tracked tracked) {
        if (tracked.headTimer >= 0) {
            vertx.cancelTimer(tracked.headTimer);
            tracked.headTimer = -1;
        }
    }

    /**
     * Closes the connection: an HTTP/1 one as Vert.x does, after what it is writing; an HTTP/2 one at once, so that
     * the rest of the thousand frames its client may have sent in one write are not decoded; a socket Vert.x has
     * made nothing of yet at once.
     */
    private void close(Tracked tracked) {
        forget(tracked);
        closing.add(tracked.channel);
        if (tracked.connection != null) {
            ChannelLimits.close(tracked.connection);
        } else {
            tracked.channel.close();
        }
    }

    private void forget(Tracked tracked) {
        cancelHeadTimer(tracked);
        open.remove(tracked.channel);
        tracked.isOpen = false;
        tracked.http2Responses.clear();
    }
}
