package io.timemesh.api;

import io.timemesh.core.clock.TimeReading;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The JSON of GET /time and of the {@code timemesh.time} event-bus reply. Nanosecond counts travel
 * as strings: JavaScript and many JSON parsers hold numbers as doubles and would round them.
 */
public final class TimeJson {
    private TimeJson() {}

    /** RFC 3339 in UTC with all nine fractional digits. */
    private static final DateTimeFormatter RFC3339_NANOS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    public static JsonObject of(TimeReading reading) {
        return new JsonObject()
                .put("nowNs", Long.toString(reading.nowNanos()))
                .put("earliestNs", reading.bounded() ? Long.toString(reading.earliestNanos()) : null)
                .put("latestNs", reading.bounded() ? Long.toString(reading.latestNanos()) : null)
                .put("now", rfc3339(reading.nowNanos()))
                .put("earliest", reading.bounded() ? rfc3339(reading.earliestNanos()) : null)
                .put("latest", reading.bounded() ? rfc3339(reading.latestNanos()) : null)
                .put("errorBoundNs", reading.errorBoundNanos())
                .put("status", reading.status().name())
                .put("stratum", reading.stratum())
                .put("leap", reading.leap().label());
    }

    public static String rfc3339(long unixNanos) {
        return RFC3339_NANOS.format(Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L),
                Math.floorMod(unixNanos, 1_000_000_000L)));
    }
}
