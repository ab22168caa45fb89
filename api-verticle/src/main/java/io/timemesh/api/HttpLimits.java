package io.timemesh.api;

import io.timemesh.core.settings.Setting;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one HTTP connection, and the HTTP server as a whole, may hold: the config section {@code "http"}. The
 * defaults are safe for a node on a hostile network; every limit is enforced by {@link ConnectionGuard} or
 * by Vert.x's server options.
 *
 * @param idleTimeoutMillis        a connection with nothing read or written for this long is closed, ms
 * @param headerTimeoutMillis      a connection must deliver a complete request head within this long of opening
 *                                 or of its previous response, else it is closed (slowloris), ms; this also
 *                                 bounds how long an idle keep-alive connection is kept
 * @param maxConnections           open connections at most; a new one beyond it closes the connection that has
 *                                 waited longest for a request, or itself when all are busy
 * @param maxInitialLineBytes      request line longer than this: 414, bytes
 * @param maxHeaderBytes           request headers larger than this: 431, bytes
 * @param h2c                      whether HTTP/2 over cleartext (prior knowledge or Upgrade) is spoken
 * @param http2MaxConcurrentStreams streams one HTTP/2 client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS)
 * @param http2MaxQueuedResponses  responses one HTTP/2 connection may hold finished but unsent (its client
 *                                 grants no flow-control window); a request beyond closes the connection
 */
public record HttpLimits(int idleTimeoutMillis, int headerTimeoutMillis, int maxConnections, int maxInitialLineBytes,
                         int maxHeaderBytes, boolean h2c, int http2MaxConcurrentStreams, int http2MaxQueuedResponses) {

    /** The config keys of the "http" section and their JSON types (Number or Boolean). */
    public static final Map<String, Class<?>> KEYS = Map.of("idleTimeoutMillis", Number.class,
            "headerTimeoutMillis", Number.class, "maxConnections", Number.class, "maxInitialLineBytes", Number.class,
            "maxHeaderBytes", Number.class, "h2c", Boolean.class, "http2MaxConcurrentStreams", Number.class,
            "http2MaxQueuedResponses", Number.class);

    /**
     * 60 s idle, 10 s to send a request head, 4,096 connections (well below a typical 20,000-descriptor
     * limit, leaving room for the cluster, NTP and jars), Vert.x's 4,096-byte line and 8,192 bytes of headers,
     * no h2c, 32 streams and 4 unsent responses per HTTP/2 connection.
     */
    public static final HttpLimits DEFAULTS = new HttpLimits(60_000, 10_000, 4_096, 4_096, 8_192, false, 32, 4);

    private static int whole(JsonObject json, String key, int fallback, int min, int max) {
        return Setting.wholeNumber("http." + key, json.getValue(key), fallback, min, max);
    }

    /**
     * @param json the "http" section; absent keys take {@link #DEFAULTS}
     * @throws IllegalArgumentException for an unknown key; a {@link io.timemesh.core.settings.SettingException}
     *                                  naming the key for a value out of its range or a fraction
     * @throws ClassCastException       for a value of the wrong JSON type
     */
    public static HttpLimits fromJson(JsonObject json) {
        Set<String> unknown = new TreeSet<>(json.fieldNames());
        unknown.removeAll(KEYS.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown config key 'http." + unknown.iterator().next() + "'; known: "
                    + new TreeSet<>(KEYS.keySet()));
        }
        HttpLimits d = DEFAULTS;
        return new HttpLimits(whole(json, "idleTimeoutMillis", d.idleTimeoutMillis, 1, 86_400_000),
                whole(json, "headerTimeoutMillis", d.headerTimeoutMillis, 1, 3_600_000),
                whole(json, "maxConnections", d.maxConnections, 1, 1_000_000),
                whole(json, "maxInitialLineBytes", d.maxInitialLineBytes, 64, 1 << 20),
                whole(json, "maxHeaderBytes", d.maxHeaderBytes, 256, 1 << 20), json.getBoolean("h2c", d.h2c),
                whole(json, "http2MaxConcurrentStreams", d.http2MaxConcurrentStreams, 1, 10_000),
                whole(json, "http2MaxQueuedResponses", d.http2MaxQueuedResponses, 1, 10_000));
    }
}
