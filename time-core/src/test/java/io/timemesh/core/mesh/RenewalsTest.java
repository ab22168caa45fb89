package io.timemesh.core.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RenewalsTest {
    private static final long S = 1_000_000_000L;
    private final Renewals renewals = new Renewals(3 * S);

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

    @Test
    void forgottenWritersStartAfresh() {
        renewals.live("a", 100, 0);
        renewals.live("b", 100, 0);
        renewals.retain(Set.of("b"));
        assertThat(renewals.live("a", 100, 10 * S)).as("first seen again").isTrue();
        assertThat(renewals.live("b", 100, 10 * S)).isFalse();
        assertThatThrownBy(() -> new Renewals(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
