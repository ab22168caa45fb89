package io.timemesh.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
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

    @Test
    void aPreemptedBracketIsNotTheAnchor() {
        // Each bracket is counter, wall read, counter. The first is preempted for 50 ms after the wall read,
        // so its midpoint is 25 ms late; the second is 30 µs wide, the third 1 µs, and ends the search.
        Scripted clock = new Scripted(List.of(
                0L, 1_000L, 50_001_000L,
                60_000_000L, 60_010_000L, 60_030_000L,
                70_000_000L, 70_000_500L, 70_001_000L));
        MonotonicTimescale timescale = new MonotonicTimescale(clock, clock::next);
        assertThat(clock.counterReads).isEmpty();
        // At counter 70,000,500 (the wall read of the narrow bracket) the timescale reads what the wall clock did.
        clock.counterReads.add(70_000_500L);
        assertThat(timescale.nowNanos()).isEqualTo(1_000_000_000_000L + 70_000_500L);
    }

    @Test
    void everyBracketWideMeansTheNarrowestOfAll() {
        List<Long> reads = new java.util.ArrayList<>();
        for (int i = 0; i < MonotonicTimescale.BRACKETS; i++) {
            long start = i * 1_000_000_000L;
            long width = i == 7 ? 40_000 : 5_000_000; // all wider than NARROW_NANOS; the eighth is narrowest
            reads.addAll(List.of(start, start + width / 2, start + width));
        }
        Scripted clock = new Scripted(reads);
        MonotonicTimescale timescale = new MonotonicTimescale(clock, clock::next);
        assertThat(clock.counterReads).isEmpty();
        clock.counterReads.add(9_000_000_000L);
        assertThat(timescale.nowNanos()).isEqualTo(1_000_000_000_000L + 9_000_000_000L);
    }

    @Test
    void theRealClocksAgreeToWithinTheBracket() {
        MonotonicTimescale timescale = new MonotonicTimescale();
        long wall = Clock.systemUTC().instant().toEpochMilli() * 1_000_000L;
        assertThat(Math.abs(timescale.nowNanos() - wall)).isLessThan(50_000_000L);
    }
}
