package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StateFloorsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aWriterNeverNotedHasNoCurrentStates() {
        StateFloors floors = new StateFloors(8);
        assertThat(floors.knows("a")).isFalse();
        assertThat(floors.pollersCurrent("a", Long.MAX_VALUE)).isFalse();
        assertThat(floors.letGoCurrent("a", Long.MAX_VALUE)).isFalse();
    }

    @Test
    void statesAboveTheNamedFloorsAreCurrentAndFloorsOnlyRise() {
        StateFloors floors = new StateFloors(8);
        floors.note("a", 100, 50);
        assertThat(floors.pollersCurrent("a", 100)).isFalse();
        assertThat(floors.pollersCurrent("a", 101)).isTrue();
        assertThat(floors.letGoCurrent("a", 50)).isFalse();
        assertThat(floors.letGoCurrent("a", 51)).isTrue();
        floors.note("a", 10, 5); // a replayed older lease
        assertThat(floors.pollersCurrent("a", 99)).isFalse();
        assertThat(floors.letGoCurrent("a", 49)).isFalse();
        assertThat(floors.pollersCurrent("b", 101)).as("per writer").isFalse();
    }

    @Test
    void theLeastRecentlyNotedWriterIsForgottenBeyondCapacity() {
        StateFloors floors = new StateFloors(2);
        floors.note("a", 1, 1);
        floors.note("b", 1, 1);
        floors.note("c", 1, 1);
        assertThat(floors.knows("a")).isFalse();
        assertThat(floors.knows("b")).isTrue();
        assertThat(floors.knows("c")).isTrue();
    }

    @Test
    void theTrailNamesTheCounterFromTheFreshnessWindowAgo() {
        StateFloors.Trail trail = new StateFloors.Trail();
        long window = StateFloors.LET_GO_FRESH_MILLIS / 1_000;
        assertThat(trail.note(0, 1_000)).as("younger than the window: every value is recent").isZero();
        for (long s = 1; s < window; s++) {
            assertThat(trail.note(s * SECOND, 1_000 + s * 10)).isZero();
        }
        assertThat(trail.note(window * SECOND, 5_000)).isEqualTo(1_000);
        assertThat(trail.note((window + 1) * SECOND, 5_001)).isEqualTo(1_010);
        assertThat(trail.note((window + 100) * SECOND, 6_000)).as("the newest noted a window or more ago")
                .isEqualTo(5_001);
    }
}
