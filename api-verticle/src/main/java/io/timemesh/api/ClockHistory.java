package io.timemesh.api;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.TimeReading;
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
                model.referenced() ? model.tracking().lastOffsetSeconds() : null));
    }

    /**
     * The points of the last {@code seconds} before {@code nowNanos}, oldest first, as the JSON text
     * {@code {"stepSeconds", "capacity", "points": [{"at" (RFC 3339), "atMs", "status", "errorBoundNs",
     * "lastOffsetSeconds"}]}}; at most {@link #CAPACITY} points however many seconds are asked for. Written
     * straight to a string, as {@link TimeJson#encode} writes bytes: a full hour is about half a megabyte, and building it
     * as JSON objects cost the event loop tens of milliseconds.
     */
    String encode(long nowNanos, int seconds) {
        long from = nowNanos - seconds * 1_000_000_000L;
        int shown = 0;
        for (Iterator<Point> newest = points.descendingIterator(); newest.hasNext() && newest.next().atNanos() > from; ) {
            shown++;
        }
        StringBuilder out = new StringBuilder(64 + 150 * shown).append("{\"stepSeconds\":").append(STEP_SECONDS)
                .append(",\"capacity\":").append(capacity).append(",\"points\":[");
        int skip = points.size() - shown;
        int i = 0;
        for (Point point : points) {
            if (i++ < skip) {
                continue;
            }
            out.append(i == skip + 1 ? "{\"at\":\"" : ",{\"at\":\"");
            TimeJson.appendRfc3339(out, point.atNanos());
            Double offset = point.lastOffsetSeconds();
            out.append("\",\"atMs\":").append(Math.floorDiv(point.atNanos(), 1_000_000L)).append(",\"status\":\"")
                    .append(point.status().name()).append("\",\"errorBoundNs\":").append(point.errorBoundNanos())
                    .append(",\"lastOffsetSeconds\":").append(offset == null || !Double.isFinite(offset) ? null : offset)
                    .append('}');
        }
        return out.append("]}").toString();
    }
}
