package io.timemesh.core.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RenewalsTest {
    private static final long S = 1_000_000_000L;
    private final Renewals renewals = new Renewals(3 * S, 16);

    @Test
    void aWriterIsLiveWhileItsCounterRises() {
        for (int i = 0; i < 10; i++) {
            assertThat(renewals.live("a", 100 + i, i * S)).isTrue();
        }
    }

    /** The sampler that died, its last lease value put back again and again by an intruder: it lapses. */
    @Test
    void aValueThatStopsChangingLapsesAfterTheTimeoutWhoeverPutsItBack() {
        assertThat(renewals.live("a", 100, 0)).isTrue();
        assertThat(renewals.live("a", 100, 3 * S - 1)).isTrue();
        assertThat(renewals.live("a", 100, 3 * S)).isFalse();
        assertThat(renewals.live("a", 99, 4 * S)).as("an older one").isFalse();
        assertThat(renewals.live("a", 101, 5 * S)).as("renewed again").isTrue();
    }

    /** Deleted and put back by an intruder, the same value is not new: its writer stays gone. */
    @Test
    void aValueThatDisappearsAndComesBackUnchangedIsNotLiveAgain() {
        renewals.live("a", 100, 0);
        assertThat(renewals.live("a", 100, 10 * S)).isFalse();
        assertThatThrownBy(() -> new Renewals(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Renewals(S, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theLeastRecentlySeenWriterIsForgottenBeyondCapacity() {
        Renewals two = new Renewals(3 * S, 2);
        two.live("a", 100, 0);
        two.live("b", 100, 0);
        two.live("c", 100, 0);
        assertThat(two.live("a", 100, 10 * S)).as("forgotten: first seen again").isTrue();
        assertThat(two.live("c", 100, 10 * S)).isFalse();
    }
}
