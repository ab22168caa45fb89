package io.timemesh.core.time;

import java.time.Clock;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * The node's local timescale: the monotonic counter mapped once to UTC at start. Someone stepping
 * the system clock later cannot make it jump; its rate is the counter's, which the discipline and
 * the per-sample dispersion (PHI) account for.
 *
 * <p>The mapping is as exact as the tightest of a few brackets of the wall-clock read by two counter
 * reads: a thread preempted inside one bracket (tens of ms on a loaded machine) would otherwise put the
 * timescale that far from the system clock it claims to start at, and everything compared with that clock
 * ({@code timemesh query}, chronyd on the same machine) would read the error as an offset.
 */
public final class MonotonicTimescale implements TimeSource {
    /** Brackets tried at most. */
    static final int BRACKETS = 16;
    /** A bracket this narrow, ns, is taken at once: a wall-clock read alone takes about a microsecond. */
    static final long NARROW_NANOS = 20_000;

    private final LongSupplier counter;
    private final long epochNanosAtAnchor;
    private final long counterAtAnchor;

    public MonotonicTimescale() {
        this(Clock.systemUTC(), System::nanoTime);
    }

    MonotonicTimescale(Clock wallClock, LongSupplier counter) {
        this.counter = counter;
        long bestWidth = Long.MAX_VALUE;
        long anchorCounter = 0;
        long anchorEpoch = 0;
        for (int i = 0; i < BRACKETS && bestWidth > NARROW_NANOS; i++) {
            long before = counter.getAsLong();
            Instant wall = wallClock.instant();
            long after = counter.getAsLong();
            if (after >= before && after - before < bestWidth) { // a counter read backwards proves nothing
                bestWidth = after - before;
                anchorCounter = before + bestWidth / 2; // the wall clock was read somewhere in between
                anchorEpoch = wall.getEpochSecond() * 1_000_000_000L + wall.getNano();
            }
        }
        this.counterAtAnchor = anchorCounter;
        this.epochNanosAtAnchor = anchorEpoch;
    }

    @Override
    public long nowNanos() {
        return epochNanosAtAnchor + (counter.getAsLong() - counterAtAnchor);
    }

    /**
     * Precision of a reading as a signed log2 of seconds (the NTP precision field): the smallest
     * step the counter shows between successive reads, rounded up to a power of two.
     */
    public static int measurePrecisionLog2() {
        long smallest = Long.MAX_VALUE;
        for (int i = 0; i < 1_000; i++) {
            long a = System.nanoTime();
            long b;
            do {
                b = System.nanoTime();
            } while (b == a);
            smallest = Math.min(smallest, b - a);
        }
        return (int) Math.ceil(Math.log(smallest / 1e9) / Math.log(2));
    }
}
