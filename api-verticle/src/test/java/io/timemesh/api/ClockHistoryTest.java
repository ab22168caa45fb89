package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The ring buffer behind GET /history: bounded, oldest dropped, filtered by served time. */
class ClockHistoryTest {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;
    private static final ClockModel UNREFERENCED = ClockModel.unsynchronized(15e-6, 10 * S, 1.0);

    private static TimeReading reading(long at, Long bound, ClockStatus status) {
        return new TimeReading(at, bound == null ? null : at - bound, bound == null ? null : at + bound, bound, status,
                2, LeapIndicator.NO_WARNING);
    }

    @Test
    void keepsTheNewestPointsUpToItsCapacityOldestFirst() {
        ClockHistory history = new ClockHistory(3);
        for (int i = 0; i < 5; i++) {
            history.record(reading(T0 + i * S, 1_000L * i, ClockStatus.SYNCHRONIZED), UNREFERENCED);
        }
        JsonObject json = new JsonObject(history.encode(T0 + 5 * S, 3_600));
        JsonArray points = json.getJsonArray("points");
        assertThat(json.getInteger("capacity")).isEqualTo(3);
        assertThat(points).hasSize(3);
        assertThat(points.getJsonObject(0).getLong("atMs")).isEqualTo((T0 + 2 * S) / 1_000_000L);
        assertThat(points.getJsonObject(0).getString("at")).isEqualTo("2026-11-18T11:06:42.000000000Z");
        assertThat(points.getJsonObject(2).getLong("errorBoundNs")).isEqualTo(4_000L);
        assertThat(points.getJsonObject(2).getValue("lastOffsetSeconds")).isNull(); // no reference yet
    }

    @Test
    void servesOnlyTheSecondsAskedForWithStatusBoundAndOffset() {
        ClockHistory history = new ClockHistory(ClockHistory.CAPACITY);
        history.record(reading(T0, null, ClockStatus.UNSYNCHRONIZED), UNREFERENCED);
        ClockModel referenced = new ClockModel(new ClockModel.Correction(T0, 300_000_000L, 0, 0, 0),
                new ClockModel.Bound(T0, OffsetInterval.around(0.0, 0.0025)),
                new ClockModel.Limits(15e-6, 10 * S, 1.0),
                new ClockModel.Upstream("node-s", 7, true, 2, LeapIndicator.NO_WARNING, "127.0.0.2:123", null, 0.003),
                new ClockModel.Tracking(3, 0.0001, false, 0, null), null);
        history.record(reading(T0 + 10 * S, 2_500_000L, ClockStatus.SYNCHRONIZED), referenced);

        JsonArray all = new JsonObject(history.encode(T0 + 11 * S, 3_600)).getJsonArray("points");
        assertThat(all).hasSize(2);
        assertThat(all.getJsonObject(0).getString("status")).isEqualTo("UNSYNCHRONIZED");
        assertThat(all.getJsonObject(0).getValue("errorBoundNs")).isNull();
        JsonArray recent = new JsonObject(history.encode(T0 + 11 * S, 5)).getJsonArray("points");
        assertThat(recent).singleElement().satisfies(p -> {
            JsonObject point = (JsonObject) p;
            assertThat(point.getString("status")).isEqualTo("SYNCHRONIZED");
            assertThat(point.getLong("errorBoundNs")).isEqualTo(2_500_000L);
            assertThat(point.getDouble("lastOffsetSeconds")).isEqualTo(0.0001);
        });
    }
}
