package io.timemesh.api;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.TimeReading;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The node's clock over the last hour, for GET /history and the dashboard: one point per {@link #STEP_SECONDS}
 * with the served time, status and bound and the discipline's last offset, in a ring buffer of
 * {@link #CAPACITY} points (the oldest is dropped), so the history costs the same whether the node has run a
 * minute or a year. Used on the API verticle's event loop only.
 */
final class ClockHistory {
    /** Seconds between points. */
    static final int STEP_SECONDS = 1;
    /** Points kept: one hour. */
    static final int CAPACITY = 3_600 / STEP_SECONDS;

    /**
     * One point.
     *
     * @param atNanos           the time this node served then, Unix-epoch ns
     * @param errorBoundNanos   the bound it served, ns; null before the first reference
     * @param lastOffsetSeconds the correction the discipline made at its last update (true time less the
     *                          clock, s); null before the first reference
     */
    record Point(long atNanos, ClockStatus status, Long errorBoundNanos, Double lastOffsetSeconds) {}

    private final int capacity;
    private final ArrayDeque<Point> points;

    ClockHistory(int capacity) {
        this.capacity = capacity;
        this.points = new ArrayDeque<>(capacity);
    }

    /** Adds the point read now ({@code reading}) from {@code model}, dropping the oldest when full. */
    void record(TimeReading reading, ClockModel model) {
        if (points.size() == capacity) {
            points.removeFirst();
        }
        points.addLast(new Point(reading.nowNanos(), reading.status(), reading.errorBoundNanos(),
                model.referenced() ? model.lastOffsetSeconds() : null));
    }

    /**
     * The points of the last {@code seconds} before {@code nowNanos}, oldest first, as
     * {@code {"stepSeconds", "capacity", "points": [{"at" (RFC 3339), "atMs", "status", "errorBoundNs",
     * "lastOffsetSeconds"}]}}; at most {@link #CAPACITY} points however many seconds are asked for.
     */
    JsonObject json(long nowNanos, int seconds) {
        long from = nowNanos - seconds * 1_000_000_000L;
        ArrayDeque<Point> recent = new ArrayDeque<>();
        for (Iterator<Point> newest = points.descendingIterator(); newest.hasNext(); ) {
            Point point = newest.next();
            if (point.atNanos() <= from) {
                break;
            }
            recent.addFirst(point);
        }
        JsonArray oldestFirst = new JsonArray();
        for (Point point : recent) {
            oldestFirst.add(new JsonObject().put("at", TimeJson.rfc3339(point.atNanos()))
                    .put("atMs", Math.floorDiv(point.atNanos(), 1_000_000L)).put("status", point.status().name())
                    .put("errorBoundNs", point.errorBoundNanos()).put("lastOffsetSeconds", point.lastOffsetSeconds()));
        }
        return new JsonObject().put("stepSeconds", STEP_SECONDS).put("capacity", capacity).put("points", oldestFirst);
    }
}
