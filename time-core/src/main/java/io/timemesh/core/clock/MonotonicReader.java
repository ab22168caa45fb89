package io.timemesh.core.clock;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpConstants;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves readings that strictly increase, however the clock model changes underneath (a backward step,
 * a new model from a node with a different view). When V falls behind what was already served, "now"
 * holds just past the last served value and the interval is widened up to it: true time is still
 * inside, and no caller ever sees time go back or the same instant twice (an NTP client takes a repeated
 * transmit timestamp for a replay, RFC 5905 §8).
 *
 * <p>The status, leap indicator and stratum of a held reading are those of the bound actually served,
 * hold included: once that bound passes the model's {@code maxErrorBoundSeconds} the reading is
 * UNSYNCHRONIZED with LI 3 (alarm) and stratum 16, whatever the model alone would say. Thread-safe;
 * share one per node.
 */
public final class MonotonicReader {
    private final AtomicLong lastServed = new AtomicLong(Long.MIN_VALUE);

    /**
     * Reads the clock at local time {@code localNanos}.
     *
     * @return a reading whose {@code nowNanos} is greater than every earlier reading's of this reader
     *         (by 1 ns at least), with an interval that still holds true time and an honest status
     */
    public TimeReading read(ClockModel model, long localNanos) {
        return serve(model, model.read(localNanos));
    }

    /**
     * Serves {@code reading}, the model's own reading ({@link ClockModel#read}), as {@link #read} does: for a caller
     * that needs both, e.g. to tell a held reading from the model's own by their times.
     *
     * @return {@code reading} itself where its time is past every earlier reading's, else it held just past them
     */
    public TimeReading serve(ClockModel model, TimeReading reading) {
        long served = lastServed.accumulateAndGet(reading.nowNanos(), (last, now) -> Math.max(last + 1, now));
        if (served == reading.nowNanos()) {
            return reading;
        }
        if (!reading.bounded()) {
            return new TimeReading(served, null, null, null, reading.status(), reading.stratum(), reading.leap());
        }
        long latest = Math.max(reading.latestNanos(), served);
        long bound = Math.max(reading.errorBoundNanos(), Math.max(served - reading.earliestNanos(), latest - served));
        if (bound / 1e9 > model.limits().maxErrorBoundSeconds()) {
            return new TimeReading(served, reading.earliestNanos(), latest, bound, ClockStatus.UNSYNCHRONIZED,
                    NtpConstants.MAXSTRAT, LeapIndicator.ALARM, reading.smearNanos());
        }
        return new TimeReading(served, reading.earliestNanos(), latest, bound, reading.status(), reading.stratum(),
                reading.leap(), reading.smearNanos());
    }

    /**
     * T3 got in a few instructions: the time of {@code reading}, taken at local time {@code readLocalNanos} and not
     * held, carried to local time {@code localNanos} at the slowest rate the true time can have run against the local
     * timescale (1 − maxDrift), so never later than true time is inside the reading's bound; served as {@link #read}
     * serves (greater than every earlier reading). For a reply whose other fields came from {@code reading}: it leaves
     * out the model's frequency and slew over the gap (about 0.5 ns per µs at most by default), which can only make
     * it earlier.
     *
     * @param reading a reading of {@code model} that was not held (its time the model's own)
     * @return Unix ns on the served timescale
     */
    public long carriedNow(ClockModel model, TimeReading reading, long readLocalNanos, long localNanos) {
        long gap = localNanos - readLocalNanos;
        long now = reading.nowNanos() + gap - (long) Math.ceil(gap * model.limits().maxDrift());
        return lastServed.accumulateAndGet(now, (last, next) -> Math.max(last + 1, next));
    }
}
