package io.timemesh.client;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ClientSSLOptions;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Bounded time for Vert.x services, without blocking: the {@link TimemeshClient} operations as
 * {@link Future}s, over HTTP ({@code GET /time}) or, for a service that is a member of the same cluster, over
 * the clustered event bus (a request to {@value #TIME_ADDRESS}, answered with the same JSON). Each answer is
 * a {@link BoundedTime}: the interval, widened by this request's round trip (the node read its clock somewhere
 * between the request leaving and the answer arriving), and the node's status. A node with no bounded time
 * (UNSYNCHRONIZED), an unreachable node, or a timeout fail the future with {@link TimeUnavailableException}.
 * Futures complete on the caller's Vert.x context; nothing here blocks an event loop.
 */
public final class VertxTimemeshClient {
    /** The event-bus address a node's API answers time requests on. */
    public static final String TIME_ADDRESS = "timemesh.time";
    /** Unpredictable nonces: an uninvited member that could guess them could collect answers in advance. */
    private static final SecureRandom NONCES = new SecureRandom();
    /** How many requests a sealed {@link #now()} makes before it gives up on refused answers. */
    private static final int SEALED_ATTEMPTS = 3;
    /** How long an unused kept-alive HTTP connection is kept, s: under a node's 10 s head deadline ({@code http}). */
    private static final int KEEP_ALIVE_SECONDS = 5;

    private final Vertx vertx;
    private final String where;
    private final Supplier<Future<RawAnswer>> ask;

    /** What a transport delivered: whether it was a success, the JSON, and the round trip in ns. */
    private record RawAnswer(boolean ok, JsonObject json, long roundTripNanos) {}

    private VertxTimemeshClient(Vertx vertx, String where, Supplier<Future<RawAnswer>> ask) {
        this.vertx = vertx;
        this.where = where;
        this.ask = ask;
    }

    /**
     * A client of the node at {@code base} (e.g. {@code http://127.0.0.1:8123}) over HTTP, or over HTTPS for an
     * {@code https://} base whose certificate the JDK's trust store vouches for.
     *
     * @param timeout for connecting and for the answer
     */
    public static VertxTimemeshClient http(Vertx vertx, URI base, Duration timeout) {
        return http(vertx, base, timeout, null);
    }

    /**
     * A client of the node at an {@code https://} base (a node with {@code http.tls}) trusting what {@code tls} says:
     * e.g. {@code new ClientSSLOptions().setTrustOptions(new PemTrustOptions().addCertPath("node-ca.pem"))}, and
     * {@code setKeyCertOptions} with this client's certificate for a node that requires one. The node's certificate
     * must name the base's host (host names are verified).
     *
     * @param timeout for connecting (the TLS handshake included) and for the answer
     * @param tls     the trust and the client certificate, or null for the JDK's trust store and none
     */
    public static VertxTimemeshClient http(Vertx vertx, URI base, Duration timeout, ClientSSLOptions tls) {
        URI time = URI.create(base.toString().endsWith("/") ? base.toString() : base + "/").resolve("time");
        // A kept-alive connection is let go after 5 s unused, before a node's default 10 s for a request head closes
        // it (http.headerTimeoutMillis; a node set lower brings the race back): a request sent on a connection the
        // node is closing at that moment can go unanswered until the timeout.
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeout.toMillis())
                .setKeepAliveTimeout(KEEP_ALIVE_SECONDS));
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(time.toString())
                .setTimeout(timeout.toMillis());
        if (tls != null) {
            request.setSslOptions(tls);
        }
        return new VertxTimemeshClient(vertx, time.toString(), () -> {
            long sent = System.nanoTime();
            return http.request(request).compose(r -> r.send()).compose(response -> response.body()
                    .map(body -> new RawAnswer(response.statusCode() == 200, body.toJsonObject(), System.nanoTime() - sent)))
                    // Whatever the connection pool or the server does, an answer or a failure within the timeout.
                    .timeout(2 * timeout.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /**
     * A client asking over the clustered event bus of {@code vertx}, which must be a member of the nodes'
     * cluster; any node with the api role answers.
     *
     * @param timeout for the answer (the event bus's send timeout)
     */
    public static VertxTimemeshClient eventBus(Vertx vertx, Duration timeout) {
        DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
        return new VertxTimemeshClient(vertx, "event bus " + TIME_ADDRESS, () -> {
            long sent = System.nanoTime();
            return vertx.eventBus().<JsonObject>request(TIME_ADDRESS, new JsonObject(), options)
                    .map(reply -> new RawAnswer(true, reply.body(), System.nanoTime() - sent));
        });
    }

    /**
     * A client asking over the clustered event bus of a cluster with a key. Each request carries a random
     * nonce, and an answer counts only if it is sealed under {@code key} by a member of the cluster and
     * carries that nonce: Hazelcast cannot keep an uninvited member from answering on {@value #TIME_ADDRESS},
     * and what such a member answers is refused and asked again (three requests in all), then fails the
     * future ({@link TimeUnavailableException}) rather than move the caller's time. Needs the {@code timebase} module on the class path.
     *
     * @param key     the cluster's key (see {@code timemesh cluster-key})
     * @param timeout for the answer (the event bus's send timeout)
     */
    public static VertxTimemeshClient eventBus(Vertx vertx, Duration timeout, ClusterKey key) {
        DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
        MeshAuth auth = MeshAuth.keyed(String.format("client-%08x", NONCES.nextInt()), key, new MonotonicTimescale());
        return new VertxTimemeshClient(vertx, "event bus " + TIME_ADDRESS + " (sealed)",
                () -> askSealed(vertx, auth, options, SEALED_ATTEMPTS));
    }

    /**
     * One request with a fresh nonce; a refused answer is asked again, up to {@code attempts} in all: the
     * event bus hands requests to the consumers in turn, so the next one likely goes to a genuine node.
     */
    private static Future<RawAnswer> askSealed(Vertx vertx, MeshAuth auth, DeliveryOptions options, int attempts) {
        long nonce = NONCES.nextLong();
        long sent = System.nanoTime();
        return vertx.eventBus().request(TIME_ADDRESS, new JsonObject().put("nonce", nonce), options)
                .compose(reply -> auth.openReply(TIME_ADDRESS, TIME_ADDRESS, null, nonce, reply.body())
                        .map(body -> Future.succeededFuture(new RawAnswer(true, body, System.nanoTime() - sent)))
                        .orElseGet(() -> attempts > 1 ? askSealed(vertx, auth, options, attempts - 1)
                                : Future.failedFuture("answers not sealed by a member of the cluster for the request, "
                                        + SEALED_ATTEMPTS + " times")));
    }

    /** The interval holding true time as of the future's completion, with the node's status. */
    public Future<BoundedTime> now() {
        return ask.get().transform(asked -> {
            if (asked.failed()) {
                return Future.failedFuture(new TimeUnavailableException("cannot reach " + where + ": " + asked.cause(),
                        asked.cause()));
            }
            RawAnswer answer = asked.result();
            try {
                return Future.succeededFuture(TimeAnswers.read(where, answer.ok(), answer.json().getString("status"),
                        answer.json().getString("earliestNs"), answer.json().getString("latestNs"), answer.roundTripNanos()));
            } catch (TimeUnavailableException e) {
                return Future.failedFuture(e);
            } catch (ClassCastException e) { // a field of the wrong JSON type: not a timemesh answer
                return Future.failedFuture(new TimeUnavailableException(where + " answered malformed JSON", e));
            }
        });
    }

    /** True if {@code t} has certainly passed (the interval's earliest end is after it). */
    public Future<Boolean> after(Instant t) {
        return now().map(time -> time.interval().earliestNanos() > TimemeshClient.nanos(t));
    }

    /** True if {@code t} has certainly not yet arrived (the interval's latest end is before it). */
    public Future<Boolean> before(Instant t) {
        return now().map(time -> time.interval().latestNanos() < TimemeshClient.nanos(t));
    }

    /**
     * Commit wait: completes once {@code t} has certainly passed everywhere, with the answer that proved it.
     * Between answers it waits, on a Vert.x timer, as long as the last interval says it must (at least 1 ms).
     * Fails as {@link #now()} does.
     */
    public Future<BoundedTime> waitUntilAfter(Instant t) {
        long target = TimemeshClient.nanos(t);
        return now().compose(time -> {
            long earliest = time.interval().earliestNanos();
            if (earliest > target) {
                return Future.succeededFuture(time);
            }
            long waitMillis = Math.max(1, (target - earliest) / 1_000_000 + 1);
            return vertx.timer(waitMillis).compose(fired -> waitUntilAfter(t));
        });
    }
}
