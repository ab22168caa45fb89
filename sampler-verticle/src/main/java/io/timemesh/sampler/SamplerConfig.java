package io.timemesh.sampler;

import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.ServerAddress;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The sampler's settings, read from the verticle's JSON config and checked up front: a bad value is
 * an error naming its key, never a surprise at the first poll.
 *
 * @param bindHost where the client socket listens (replies come back to it)
 */
public record SamplerConfig(List<ServerAddress> sources, int pollSeconds, boolean iburst, Duration timeout,
                            String nodeName, String bindHost) {

    public static final String SOURCES = "sources";
    public static final String POLL_SECONDS = "pollSeconds";
    public static final String IBURST = "iburst";
    public static final String TIMEOUT_MILLIS = "timeoutMillis";
    public static final String NODE_NAME = "nodeName";
    public static final String BIND_HOST = "bindHost";

    public static final long DEFAULT_TIMEOUT_MILLIS = 2_000;

    public SamplerConfig {
        sources = List.copyOf(sources);
        if (pollSeconds < NtpConstants.MIN_POLL_SECONDS || pollSeconds > NtpConstants.MAX_POLL_SECONDS) {
            throw new IllegalArgumentException(POLL_SECONDS + " must be " + NtpConstants.MIN_POLL_SECONDS + ".."
                    + NtpConstants.MAX_POLL_SECONDS + ", was " + pollSeconds);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(TIMEOUT_MILLIS + " must be positive, was " + timeout.toMillis());
        }
    }

    public static SamplerConfig fromJson(JsonObject json) {
        JsonArray array = json.getJsonArray(SOURCES, new JsonArray());
        List<ServerAddress> sources = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            Object value = array.getValue(i);
            if (!(value instanceof String text)) {
                throw new IllegalArgumentException(SOURCES + "[" + i + "] must be a \"host[:port]\" string, was " + value);
            }
            try {
                sources.add(ServerAddress.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(SOURCES + "[" + i + "]: " + e.getMessage(), e);
            }
        }
        return new SamplerConfig(sources,
                integer(json, POLL_SECONDS, NtpConstants.DEFAULT_POLL_SECONDS),
                json.getBoolean(IBURST, true),
                Duration.ofMillis(integer(json, TIMEOUT_MILLIS, (int) DEFAULT_TIMEOUT_MILLIS)),
                json.getString(NODE_NAME, "local"),
                json.getString(BIND_HOST, "0.0.0.0"));
    }

    private static int integer(JsonObject json, String key, int fallback) {
        Object value = json.getValue(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
            return number.intValue();
        }
        throw new IllegalArgumentException(key + " must be a whole number, was " + value);
    }
}
