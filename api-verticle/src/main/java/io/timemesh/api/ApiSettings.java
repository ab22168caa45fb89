package io.timemesh.api;

import io.timemesh.core.settings.Real;
import io.timemesh.core.settings.Whole;

/**
 * The HTTP API's settings, bound from its deployment JSON by {@link io.timemesh.core.settings.Settings}; a node
 * passes its {@code httpHost}, {@code httpPort} and {@code http} section.
 *
 * @param httpHost                  where the HTTP API listens
 * @param httpPort                  its port (0: any free port)
 * @param selectorTimeoutMillis     how long /sources, /status and /metrics wait for the selector, ms
 * @param readyMaxErrorBoundSeconds /health/ready needs a bound no wider than this, s
 * @param http                      the HTTP server's limits (config section "http")
 */
public record ApiSettings(String httpHost, @Whole(min = 0, max = 65_535) int httpPort,
                          @Whole(min = 1, max = 60_000) long selectorTimeoutMillis,
                          @Real(positive = true, max = 1e6) double readyMaxErrorBoundSeconds, HttpLimits http) {

    public static final int DEFAULT_HTTP_PORT = 8123;

    /** Every address, port 8123, 2 s for the selector, ready within 0.1 s. */
    public static final ApiSettings DEFAULTS = new ApiSettings("0.0.0.0", DEFAULT_HTTP_PORT, 2_000, 0.1, HttpLimits.DEFAULTS);
}
