package io.timemesh.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The rule that decides when a kernel timestamp is trusted and how it is carried to the local timescale, on fixed readings. */
class KernelStampsTest {
    private static final long SYSTEM_LESS_LOCAL = 1_700_000_000_000_000_000L;

    private static KernelStamps rule() {
        return new KernelStamps(() -> 0, () -> 0);
    }

    /** A T4 stamp with the clocks read around {@code local}: local, the system clock 1 µs later, local 1 µs after. */
    private static long carried(KernelStamps stamps, long local, long systemLessLocal, long ageNanos) {
        long system = local + 1_000 + systemLessLocal;
        return stamps.carried(system - ageNanos, local, system, local + 2_000, false);
    }

    @Test
    void aStampIsCarriedByItsAgeFromTheSideOfTheBracketThatKeepsTheIntervalExact() {
        KernelStamps stamps = rule();
        long local = 10_000_000_000L;
        long system = local + 1_000 + SYSTEM_LESS_LOCAL;
        // 300 µs old when the system clock was read, somewhere between local 10 s and 10 s + 2 µs: a T4 from the
        // later local reading (never early), a T1 from the earlier (never late).
        assertThat(stamps.carried(system - 300_000, local, system, local + 2_000, false)).isEqualTo(local + 2_000 - 300_000);
        assertThat(stamps.carried(system - 300_000, local, system, local + 2_000, true)).isEqualTo(local - 300_000);
    }

    @Test
    void everyDoubtfulStampIsRefused() {
        KernelStamps stamps = rule();
        long local = 10_000_000_000L;
        long system = local + SYSTEM_LESS_LOCAL;
        assertThat(stamps.carried(Long.MIN_VALUE, local, system, local + 1_000, false)).as("no stamp")
                .isEqualTo(Long.MIN_VALUE);
        assertThat(stamps.carried(system + 5_000, local, system, local + 1_000, false)).as("from the future")
                .isEqualTo(Long.MIN_VALUE);
        assertThat(stamps.carried(system - 2_000_000_000L, local, system, local + 1_000, true)).as("older than a second")
                .isEqualTo(Long.MIN_VALUE);
        assertThat(stamps.carried(system - 100_000, local, system, local + KernelStamps.MAX_BRACKET_NANOS + 1, false))
                .as("preempted between the clocks' readings").isEqualTo(Long.MIN_VALUE);
        assertThat(stamps.carried(system - 100_000, local, system, local + 1_000, false)).isEqualTo(local + 1_000 - 100_000);
    }

    @Test
    void aStepOfTheSystemClockRefusesEveryStampTakenBeforeIt() {
        KernelStamps stamps = rule();
        long local = 10_000_000_000L;
        assertThat(carried(stamps, local, SYSTEM_LESS_LOCAL, 300_000)).isLessThan(local);
        // The system clock is stepped 40 ms forward: a reply that arrived before the step would be carried 40 ms
        // early. The step shows against the local timescale and that stamp is refused...
        long stepped = SYSTEM_LESS_LOCAL + 40_000_000;
        long later = local + 1_000_000_000L;
        long system = later + 1_000 + stepped;
        long preStepStamp = system - 40_000_000 - 300_000;
        assertThat(stamps.carried(preStepStamp, later, system, later + 2_000, false)).isEqualTo(Long.MIN_VALUE);
        // ...as is one from before the step read later, when the step no longer shows...
        long next = later + 1_000_000;
        long systemNext = next + 1_000 + stepped;
        assertThat(stamps.carried(preStepStamp + 1_000, next, systemNext, next + 2_000, true)).isEqualTo(Long.MIN_VALUE);
        // ...while one taken after it is used again.
        assertThat(stamps.carried(systemNext - 200_000, next, systemNext, next + 2_000, false)).isEqualTo(next + 2_000 - 200_000);
    }

    @Test
    void aStepBackRefusesTheStampsOfItsLastMomentsThatNowLookYounger() {
        KernelStamps stamps = rule();
        long local = 10_000_000_000L;
        carried(stamps, local, SYSTEM_LESS_LOCAL, 300_000);
        // The system clock is stepped 40 ms back: a stamp taken 10 ms before the step reads as 30 ms in the future,
        // and later, as younger than it is: refused until the system clock has passed where it stood at the step.
        long stepped = SYSTEM_LESS_LOCAL - 40_000_000;
        long later = local + 1_000_000_000L;
        long system = later + 1_000 + stepped;
        long beforeStep = system + 30_000_000;
        assertThat(stamps.carried(beforeStep, later, system, later + 2_000, true)).isEqualTo(Long.MIN_VALUE);
        long next = later + 35_000_000;
        long systemNext = next + 1_000 + stepped;
        assertThat(stamps.carried(beforeStep, next, systemNext, next + 2_000, true)).as("looks 5 ms old")
                .isEqualTo(Long.MIN_VALUE);
        // Stamps the clock reads as from after that are used again (before it, a stamp cannot say which side it is).
        long after = later + 50_000_000;
        long systemAfter = after + 1_000 + stepped;
        assertThat(stamps.carried(systemAfter - 200_000, after, systemAfter, after + 2_000, false)).as("one from after")
                .isEqualTo(after + 2_000 - 200_000);
    }

    @Test
    void slewingBelowTheStepLimitKeepsTheStamps() {
        KernelStamps stamps = rule();
        long local = 10_000_000_000L;
        carried(stamps, local, SYSTEM_LESS_LOCAL, 300_000);
        long second = local + 1_000_000_000L;
        assertThat(carried(stamps, second, SYSTEM_LESS_LOCAL + 30_000, 300_000)).isEqualTo(second + 2_000 - 300_000);
    }
}
