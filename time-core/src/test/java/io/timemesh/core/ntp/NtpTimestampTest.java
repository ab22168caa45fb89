package io.timemesh.core.ntp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class NtpTimestampTest {

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    /** 2036-02-07T06:28:16Z: the first second of NTP era 1, when the 32-bit seconds field wraps to 0. */
    private static final long ERA_1_START = nanos(Instant.parse("2036-02-07T06:28:16Z"));

    @Test
    void unixEpochIsNtpSeconds2208988800() {
        long raw = NtpTimestamp.fromUnixNanos(0);
        assertThat(NtpTimestamp.seconds(raw)).isEqualTo(2_208_988_800L);
        assertThat(NtpTimestamp.fraction(raw)).isZero();
    }

    @Test
    void halfSecondIsHalfTheFraction() {
        long raw = NtpTimestamp.fromUnixNanos(500_000_000L);
        assertThat(NtpTimestamp.fraction(raw)).isEqualTo(1L << 31);
    }

    @Test
    void eraBoundaryWrapsSecondsToZero() {
        long raw = NtpTimestamp.fromUnixNanos(ERA_1_START);
        assertThat(raw).isZero();
        assertThat(NtpTimestamp.era(ERA_1_START)).isEqualTo(1);
        assertThat(NtpTimestamp.era(ERA_1_START - 1)).isZero();
        long lastOfEra0 = NtpTimestamp.fromUnixNanos(ERA_1_START - 1_000_000_000L);
        assertThat(NtpTimestamp.seconds(lastOfEra0)).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void decodingAcrossTheWrapPicksTheEraNearestThePivot() {
        // A server just past the wrap answering a client just before it, and the reverse.
        long before = ERA_1_START - 3_000_000_000L;
        long after = ERA_1_START + 2_000_000_123L;
        assertThat(NtpTimestamp.toUnixNanos(NtpTimestamp.fromUnixNanos(after), before)).isEqualTo(after);
        assertThat(NtpTimestamp.toUnixNanos(NtpTimestamp.fromUnixNanos(before), after)).isEqualTo(before);
        assertThat(NtpTimestamp.toUnixNanos(0, ERA_1_START - 10)).isEqualTo(ERA_1_START);
    }

    @Test
    void farFromThePivotStillDecodesWithin68Years() {
        long now = nanos(Instant.parse("2026-11-21T05:00:00Z"));
        long fiftyYearsOn = now + 50L * 365 * 86_400 * 1_000_000_000L;
        assertThat(NtpTimestamp.toUnixNanos(NtpTimestamp.fromUnixNanos(fiftyYearsOn), now)).isEqualTo(fiftyYearsOn);
        long fiftyYearsAgo = now - 50L * 365 * 86_400 * 1_000_000_000L;
        assertThat(NtpTimestamp.toUnixNanos(NtpTimestamp.fromUnixNanos(fiftyYearsAgo), now)).isEqualTo(fiftyYearsAgo);
    }

    @Property(tries = 5000)
    void roundTripIsLosslessToTheNanosecond(
            @ForAll @LongRange(min = -2_208_988_800_000_000_000L, max = 7_000_000_000_000_000_000L) long unixNanos,
            @ForAll @LongRange(min = -2_000_000_000_000_000_000L, max = 2_000_000_000_000_000_000L) long pivotShift) {
        // Any pivot within ±63 years of the value recovers it exactly, whatever the era.
        long pivot = unixNanos + pivotShift;
        assertThat(NtpTimestamp.toUnixNanos(NtpTimestamp.fromUnixNanos(unixNanos), pivot)).isEqualTo(unixNanos);
    }

    @Property(tries = 2000)
    void everyNanosecondOfASecondRoundTrips(@ForAll @LongRange(min = 0, max = 999_999_999) long nanos) {
        long t = 1_795_000_000_000_000_000L + nanos;
        assertThat(NtpTimestamp.toUnixNanos(NtpTimestamp.fromUnixNanos(t), t)).isEqualTo(t);
    }
}
