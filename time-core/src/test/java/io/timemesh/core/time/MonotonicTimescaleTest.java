package io.timemesh.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class MonotonicTimescaleTest {

    /** A wall clock that reads 1,000 s plus the counter at the moment of the read. */
    private static final class Scripted extends Clock {
        final Deque<Long> counterReads;
        long counter;

        Scripted(List<Long> counterReads) {
            this.counterReads = new ArrayDeque<>(counterReads);
        }

        long next() {
            counter = counterReads.removeFirst();
            return counter;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochSecond(1_000).plusNanos(next());
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /**
     * What a timescale anchored by {@code anchoringReads} (counter, wall read, counter per bracket; the wall clock
     * reads 1,000 s plus the counter at its read) reads at {@code counter}; every scripted read must be used.
     */
    private static long readAt(List<Long> anchoringReads, long counter) {
        Scripted clock = new Scripted(anchoringReads);
        MonotonicTimescale timescale = new MonotonicTimescale(clock, clock::next);
        assertThat(clock.counterReads).as("reads left over").isEmpty();
        clock.counterReads.add(counter);
        return timescale.nowNanos();
    }

    @Test
    void aPreemptedBracketIsNotTheAnchor() {
        // The first bracket is preempted for 50 ms after the wall read, so its midpoint is 25 ms late; the second
        // is 30 µs wide, the third 1 µs, and ends the search. At the narrow bracket's wall read the timescale
        // reads what the wall clock did.
        long read = readAt(List.of(
                0L, 1_000L, 50_001_000L,
                60_000_000L, 60_010_000L, 60_030_000L,
                70_000_000L, 70_000_500L, 70_001_000L), 70_000_500L);
        assertThat(read).isEqualTo(1_000_000_000_000L + 70_000_500L);
    }

    @Test
    void everyBracketWideMeansTheNarrowestOfAll() {
        // Every bracket is wider than NARROW_NANOS. The wide ones read the wall clock 100 ns in, so their midpoints
        // are 2.5 ms late; the eighth's wall read is at its midpoint.
        List<Long> reads = new ArrayList<>();
        for (int i = 0; i < MonotonicTimescale.BRACKETS; i++) {
            long start = i * 1_000_000_000L;
            reads.addAll(i == 7 ? List.of(start, start + 20_000, start + 40_000)
                    : List.of(start, start + 100, start + 5_000_000));
        }
        assertThat(readAt(reads, 9_000_000_000L)).isEqualTo(1_000_000_000_000L + 9_000_000_000L);
    }

    @Test
    void aBracketReadBackwardsIsNotTheAnchor() {
        // The first bracket's counter went back 1 µs (negative width); the second is 2 µs wide, its wall read mid-way.
        long read = readAt(List.of(
                5_000_000L, 9_000_000L, 4_999_000L,
                10_000_000L, 10_001_000L, 10_002_000L), 10_001_000L);
        assertThat(read).isEqualTo(1_000_000_000_000L + 10_001_000L);
    }

    @Test
    void theSystemClockReadsBetweenTwoOfItsReadings() {
        // Against the real clocks, the anchor is within the narrowest bracket, microseconds; 1 ms covers the wall
        // clock's own granularity. A preempted read widens [before, after] rather than failing the check.
        MonotonicTimescale timescale = new MonotonicTimescale();
        for (int i = 0; i < 5; i++) {
            long before = timescale.nowNanos();
            Instant wall = Clock.systemUTC().instant();
            long after = timescale.nowNanos();
            long wallNanos = wall.getEpochSecond() * 1_000_000_000L + wall.getNano();
            assertThat(wallNanos).isBetween(before - 1_000_000L, after + 1_000_000L);
        }
    }
}
