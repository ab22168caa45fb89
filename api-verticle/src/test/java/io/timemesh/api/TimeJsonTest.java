package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.ntp.LeapIndicator;
import io.vertx.core.json.JsonObject;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written fast path says exactly what the JsonObject does. */
class TimeJsonTest {

    @Test
    void encodeMatchesTheJsonObjectForBoundedAndUnboundedReadings() {
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            long now = 1_700_000_000_000_000_000L + (random.nextLong() >>> 8);
            TimeReading bounded = new TimeReading(now, now - 1_234_567, now + 1_234_567 + i, 1_234_567L + i,
                    ClockStatus.values()[i % 3], 1 + i % 15, LeapIndicator.values()[i % 4],
                    i % 2 == 0 ? null : (long) (random.nextInt(1_000_000_001) - 500_000_000)); // smeared, or not
            assertThat(new JsonObject(TimeJson.encode(bounded))).isEqualTo(TimeJson.of(bounded));
        }
        TimeReading unbounded = new TimeReading(1_000_000_000L, null, null, null, ClockStatus.UNSYNCHRONIZED, 16,
                LeapIndicator.ALARM);
        assertThat(new JsonObject(TimeJson.encode(unbounded))).isEqualTo(TimeJson.of(unbounded));
        // Before 1970 (negative counts: the fraction still counts forwards from the second) and at a long's limits.
        TimeReading early = new TimeReading(-1L, -1_000_000_001L, 999_999_999L, Long.MAX_VALUE, ClockStatus.HOLDOVER, 3,
                LeapIndicator.LAST_MINUTE_61, Long.MIN_VALUE);
        assertThat(new JsonObject(TimeJson.encode(early))).isEqualTo(TimeJson.of(early));
        assertThat(new JsonObject(TimeJson.encode(early)).getString("earliest")).isEqualTo("1969-12-31T23:59:58.999999999Z");
        // Counts whose nine-digit groups hold zeros, and the first one past an int.
        for (long count : new long[] {1_000_000_000_000_000_007L, 1_000_000_007_000_000_000L, 2_147_483_648L,
                Integer.MAX_VALUE, 1_000_000_000L}) {
            TimeReading reading = new TimeReading(count, count - 1, count + 1, count, ClockStatus.SYNCHRONIZED, 1,
                    LeapIndicator.NO_WARNING, count);
            assertThat(new JsonObject(TimeJson.encode(reading))).isEqualTo(TimeJson.of(reading));
            assertThat(new JsonObject(TimeJson.encode(reading)).getString("nowNs")).isEqualTo(Long.toString(count));
        }
        TimeReading whole = new TimeReading(1_795_000_000_000_000_000L, 1_795_000_000_000_000_000L,
                1_795_000_000_000_000_001L, 1L, ClockStatus.SYNCHRONIZED, 2, LeapIndicator.NO_WARNING);
        assertThat(new JsonObject(TimeJson.encode(whole)).getString("now")).isEqualTo("2026-11-18T11:06:40.000000000Z");
        assertThat(new JsonObject(TimeJson.encode(whole)).getString("latest")).isEqualTo("2026-11-18T11:06:40.000000001Z");
    }
}
