package io.timemesh.core.clock;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves readings that never run backwards, however the clock model changes underneath (a backward
 * step, a new model from a node with a different view). When V falls behind what was already served,
 * "now" holds at the last served value and the interval is widened up to it: true time is still
 * inside, and no caller ever sees time go back. Thread-safe; share one per node.
 */
public final class MonotonicReader {
    private final AtomicLong lastServed = new AtomicLong(Long.MIN_VALUE);

    public TimeReading read(ClockModel model, long localNanos) {
        TimeReading reading = model.read(localNanos);
        long served = lastServed.accumulateAndGet(reading.nowNanos(), Math::max);
        if (served == reading.nowNanos()) {
            return reading;
        }
        if (!reading.bounded()) {
            return new TimeReading(served, null, null, null, reading.status(), reading.stratum(), reading.leap());
        }
        long latest = Math.max(reading.latestNanos(), served);
        long bound = Math.max(reading.errorBoundNanos(), Math.max(served - reading.earliestNanos(), latest - served));
        return new TimeReading(served, reading.earliestNanos(), latest, bound, reading.status(), reading.stratum(),
                reading.leap());
    }
}
