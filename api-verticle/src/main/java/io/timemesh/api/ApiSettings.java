package io.timemesh.api;

import io.timemesh.core.settings.Setting;
import io.vertx.core.json.JsonObject;

/**
 * @param httpHost             where the HTTP API listens
 * @param httpPort             its port (0: any free port)
 * @param selectorTimeoutMillis how long /sources and /status wait for the selector
 * @param readyMaxErrorBoundSeconds /health/ready needs a bound no wider than this
 * @param http                 the HTTP server's limits (config section "http")
 */
public record ApiSettings(String httpHost, int httpPort, long selectorTimeoutMillis, double readyMaxErrorBoundSeconds,
                          HttpLimits http) {

    public static final int DEFAULT_HTTP_PORT = 8123;

    public ApiSettings {
        if (httpPort < 0 || httpPort > 65_535) {
            throw new IllegalArgumentException("httpPort must be 0..65535, was " + httpPort);
        }
        if (selectorTimeoutMillis < 1) {
            throw new IllegalArgumentException("selectorTimeoutMillis must be positive, was " + selectorTimeoutMillis);
        }
        if (!(readyMaxErrorBoundSeconds > 0)) {
            throw new IllegalArgumentException("readyMaxErrorBoundSeconds must be positive, was " + readyMaxErrorBoundSeconds);
        }
    }

    /**
     * @throws io.timemesh.core.settings.SettingException naming the key, for a value out of its range or a
     *         fraction where a whole number is meant (a port of 18252.9 is refused, not truncated)
     */
    public static ApiSettings fromJson(JsonObject json) {
        return new ApiSettings(json.getString("httpHost", "0.0.0.0"),
                Setting.wholeNumber("httpPort", json.getValue("httpPort"), DEFAULT_HTTP_PORT, 0, 65_535),
                Setting.wholeNumber("selectorTimeoutMillis", json.getValue("selectorTimeoutMillis"), 2_000L, 1, 60_000),
                Setting.positive("readyMaxErrorBoundSeconds", json.getValue("readyMaxErrorBoundSeconds"), 0.1, 1e6),
                HttpLimits.fromJson(json.getJsonObject("http", new JsonObject())));
    }
}
