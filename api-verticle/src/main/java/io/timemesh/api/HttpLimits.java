package io.timemesh.api;

import io.timemesh.core.settings.SettingException;
import io.timemesh.core.settings.Whole;

/**
 * What one HTTP connection, and the HTTP server as a whole, may hold, and whether it speaks TLS: the config section
 * {@code "http"}. The
 * defaults are safe for a node on a hostile network; every limit is enforced by {@link ConnectionGuard} or
 * by Vert.x's server options. Bound and range-checked by {@link io.timemesh.core.settings.Settings}.
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
 * @param writeTimeoutMillis       every write to a connection must reach its socket within this long of being sent
 *                                 (flushed; queued behind others or not), else the connection is closed: a client
 *                                 that stops reading (or reads too slowly) cannot hold a connection and its unsent
 *                                 responses until the idle timeout, ms
 * @param h2c                      whether HTTP/2 over cleartext (prior knowledge or Upgrade) is spoken
 * @param http2MaxConcurrentStreams streams one HTTP/2 client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS),
 *                                 enforced from the client's first frame, not only once it acknowledges the setting
 * @param http2MaxQueuedResponses  responses one HTTP/2 connection may hold finished but unsent (its client
 *                                 grants no flow-control window); a request beyond closes the connection
 * @param http2MaxResetsPerWindow  RST_STREAM frames an HTTP/2 connection may receive, and refused or reset streams
 *                                 it may cause, within {@code http2ResetWindowSeconds}; one more closes it with
 *                                 GOAWAY ENHANCE_YOUR_CALM ("rapid reset", CVE-2023-44487, and CVE-2025-55163)
 * @param http2ResetWindowSeconds  the window of that count, s
 * @param tls                      HTTPS on the API's port ({@code http.tls}), or null for plain HTTP
 * @throws SettingException when {@code h2c} and {@code tls} are both given: a TLS port speaks HTTP/1.1 only
 */
public record HttpLimits(@Whole(min = 1, max = 86_400_000) int idleTimeoutMillis,
                         @Whole(min = 1, max = 3_600_000) int headerTimeoutMillis,
                         @Whole(min = 1, max = 1_000_000) int maxConnections,
                         @Whole(min = 64, max = 1 << 20) int maxInitialLineBytes,
                         @Whole(min = 256, max = 1 << 20) int maxHeaderBytes,
                         @Whole(min = 1, max = 3_600_000) int writeTimeoutMillis,
                         boolean h2c,
                         @Whole(min = 1, max = 10_000) int http2MaxConcurrentStreams,
                         @Whole(min = 1, max = 10_000) int http2MaxQueuedResponses,
                         @Whole(min = 1, max = 1_000_000) int http2MaxResetsPerWindow,
                         @Whole(min = 1, max = 3_600) int http2ResetWindowSeconds,
                         HttpTls tls) {

    /**
     * 60 s idle, 10 s to send a request head, 4,096 connections (well below a typical 20,000-descriptor
     * limit, leaving room for the cluster, NTP and jars), Vert.x's 4,096-byte line and 8,192 bytes of headers,
     * 20 s for a write to drain (the dashboard's largest file, 200 KB, needs a client reading at 10 KB/s), no
     * h2c, 32 streams and 4 unsent responses per HTTP/2 connection, and 100 resets per 30 s (Vert.x allows 200:
     * an honest client resets a stream when a user leaves a page, not a hundred times in half a minute); plain HTTP.
     */
    public static final HttpLimits DEFAULTS =
            new HttpLimits(60_000, 10_000, 4_096, 4_096, 8_192, 20_000, false, 32, 4, 100, 30, null);

    public HttpLimits {
        if (h2c && tls != null) {
            throw SettingException.rule("h2c", "and 'http.tls' exclude each other: h2c is HTTP/2 in cleartext, and a TLS "
                    + "port speaks HTTP/1.1 only (no HTTP/2 by ALPN)");
        }
    }
}
