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
 * @param maxHeaderBytes           request headers larger than this: 431, bytes; also HTTP/2's
 *                                 SETTINGS_MAX_HEADER_LIST_SIZE
 * @param writeTimeoutMillis       every write to a connection must reach its socket within this long, else the
 *                                 connection is closed: a client that stops reading (or reads too slowly) cannot
 *                                 hold a connection and its unsent responses until the idle timeout, ms
 * @param h2c                      whether HTTP/2 over cleartext (prior knowledge or Upgrade) is spoken
 * @param http2MaxConcurrentStreams streams one HTTP/2 client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS),
 *                                 enforced from the client's first frame, not only once it acknowledges the setting
 * @param http2MaxQueuedResponses  responses one HTTP/2 connection may hold finished but unsent (its client
 *                                 grants no flow-control window); a request beyond closes the connection
 * @param http2MaxResetsPerWindow  RST_STREAM frames an HTTP/2 connection may receive, and refused or reset streams
 *                                 it may cause, within {@code http2ResetWindowSeconds}; one more closes it with
 *                                 GOAWAY ENHANCE_YOUR_CALM ("rapid reset", CVE-2023-44487, and CVE-2025-55163)
 * @param http2ResetWindowSeconds  the window of that count, s
 */
public record HttpLimits(int idleTimeoutMillis, int headerTimeoutMillis, int maxConnections, int maxInitialLineBytes,
                         int maxHeaderBytes, int writeTimeoutMillis, boolean h2c, int http2MaxConcurrentStreams,
                         int http2MaxQueuedResponses, int http2MaxResetsPerWindow, int http2ResetWindowSeconds) {

    /** The config keys of the "http" section and their JSON types (Number or Boolean). */
    public static final Map<String, Class<?>> KEYS = Map.ofEntries(Map.entry("idleTimeoutMillis", Number.class),
            Map.entry("headerTimeoutMillis", Number.class), Map.entry("maxConnections", Number.class),
            Map.entry("maxInitialLineBytes", Number.class), Map.entry("maxHeaderBytes", Number.class),
            Map.entry("writeTimeoutMillis", Number.class), Map.entry("h2c", Boolean.class),
            Map.entry("http2MaxConcurrentStreams", Number.class), Map.entry("http2MaxQueuedResponses", Number.class),
            Map.entry("http2MaxResetsPerWindow", Number.class), Map.entry("http2ResetWindowSeconds", Number.class));

    /**
     * 60 s idle, 10 s to send a request head, 4,096 connections (well below a typical 20,000-descriptor
     * limit, leaving room for the cluster, NTP and jars), Vert.x's 4,096-byte line and 8,192 bytes of headers,
     * 20 s for a write to drain (the dashboard's largest file, 200 KB, needs a client reading at 10 KB/s), no
     * h2c, 32 streams and 4 unsent responses per HTTP/2 connection, and 100 resets per 30 s (Vert.x allows 200:
     * an honest client resets a stream when a user leaves a page, not a hundred times in half a minute).
     */
    public static final HttpLimits DEFAULTS =
            new HttpLimits(60_000, 10_000, 4_096, 4_096, 8_192, 20_000, false, 32, 4, 100, 30);

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
                whole(json, "maxHeaderBytes", d.maxHeaderBytes, 256, 1 << 20),
                whole(json, "writeTimeoutMillis", d.writeTimeoutMillis, 1, 3_600_000), json.getBoolean("h2c", d.h2c),
                whole(json, "http2MaxConcurrentStreams", d.http2MaxConcurrentStreams, 1, 10_000),
                whole(json, "http2MaxQueuedResponses", d.http2MaxQueuedResponses, 1, 10_000),
                whole(json, "http2MaxResetsPerWindow", d.http2MaxResetsPerWindow, 1, 1_000_000),
                whole(json, "http2ResetWindowSeconds", d.http2ResetWindowSeconds, 1, 3_600));
    }
}
