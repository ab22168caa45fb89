package io.timemesh.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Bounded time from a timemesh node, in the style of Spanner's TrueTime: {@link #now()} returns an
 * interval that holds true time; {@link #after}, {@link #before} and {@link #waitUntilAfter} (commit
 * wait) build on it. The node's interval is widened by this client's own round trip: the node read its
 * clock somewhere between our request leaving and the answer arriving, so by the time {@code now()}
 * returns, true time may have moved on by up to the whole round trip.
 */
public final class TimemeshClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI time;
    private final HttpClient http;
    private final Duration timeout;

    private TimemeshClient(URI base, Duration timeout) {
        this.time = URI.create(base.toString().endsWith("/") ? base.toString() : base + "/").resolve("time");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** A client of the node at {@code base}, e.g. {@code http://127.0.0.1:8123}. */
    public static TimemeshClient http(URI base) {
        return new TimemeshClient(base, Duration.ofSeconds(2));
    }

    public static TimemeshClient http(URI base, Duration timeout) {
        return new TimemeshClient(base, timeout);
    }

    /** An interval holding true time as of this method's return. */
    public TimeInterval now() throws TimeUnavailableException {
        long sent = System.nanoTime();
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(time).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TimeUnavailableException("cannot reach " + time + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeUnavailableException("interrupted asking " + time, e);
        }
        long roundTrip = System.nanoTime() - sent;
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new TimeUnavailableException(time + " answered " + response.statusCode() + " without JSON", e);
        }
        return TimeAnswers.read(time + " (HTTP " + response.statusCode() + ")", response.statusCode() == 200,
                text(body, "status"), text(body, "earliestNs"), text(body, "latestNs"), roundTrip).interval();
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.path(field);
        return value.isTextual() ? value.asText() : null;
    }

    /** True if {@code t} has certainly passed. */
    public boolean after(Instant t) throws TimeUnavailableException {
        return now().earliestNanos() > nanos(t);
    }

    /** True if {@code t} has certainly not yet arrived. */
    public boolean before(Instant t) throws TimeUnavailableException {
        return now().latestNanos() < nanos(t);
    }

    /**
     * Commit wait: blocks until {@code t} has certainly passed everywhere, and returns the interval that
     * proved it. Sleeps for as long as the interval says it must, then asks again.
     */
    public TimeInterval waitUntilAfter(Instant t) throws TimeUnavailableException, InterruptedException {
        long target = nanos(t);
        while (true) {
            TimeInterval interval = now();
            if (interval.earliestNanos() > target) {
                return interval;
            }
            long wait = target - interval.earliestNanos() + 1;
            TimeUnit.NANOSECONDS.sleep(Math.max(wait, 100_000));
        }
    }

    /** {@code t} as nanoseconds since the Unix epoch; ArithmeticException beyond year 2262. */
    static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
