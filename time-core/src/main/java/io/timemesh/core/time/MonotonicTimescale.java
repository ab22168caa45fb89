package io.timemesh.core.time;

import java.time.Clock;
import java.time.Instant;

/**
 * The node's local timescale: the monotonic counter mapped once to UTC at start. Someone stepping
 * the system clock later cannot make it jump; its rate is the counter's, which the discipline and
 * the per-sample dispersion (PHI) account for.
 */
public final class MonotonicTimescale implements TimeSource {
    private final long epochNanosAtAnchor;
    private final long counterAtAnchor;

    public MonotonicTimescale() {
        this(Clock.systemUTC());
    }

    MonotonicTimescale(Clock wallClock) {
        // Bracket the wall-clock read with two counter reads and anchor at their midpoint.
        long before = System.nanoTime();
        Instant wall = wallClock.instant();
        long after = System.nanoTime();
        this.counterAtAnchor = before + (after - before) / 2;
        this.epochNanosAtAnchor = wall.getEpochSecond() * 1_000_000_000L + wall.getNano();
    }

    @Override
    public long nowNanos() {
        return epochNanosAtAnchor + (System.nanoTime() - counterAtAnchor);
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
