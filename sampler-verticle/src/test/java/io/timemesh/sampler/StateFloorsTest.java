package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.sampler.StateFloors.Verdict;
import org.junit.jupiter.api.Test;

class StateFloorsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aWriterNeverNotedHasNoCurrentStates() {
        StateFloors floors = new StateFloors(8);
        assertThat(floors.pollers("a", Long.MAX_VALUE, 0)).isEqualTo(Verdict.UNKNOWN_WRITER);
        assertThat(floors.letGo("a", Long.MAX_VALUE, 0)).isEqualTo(Verdict.UNKNOWN_WRITER);
    }

    @Test
    void statesAboveTheNamedFloorsAreCurrentAndFloorsOnlyRise() {
        StateFloors floors = new StateFloors(8);
        floors.note("a", 200, 100, 50, 0);
        assertThat(floors.pollers("a", 100, 0)).isEqualTo(Verdict.OLDER_THAN_FLOOR);
        assertThat(floors.pollers("a", 101, 0)).isEqualTo(Verdict.CURRENT);
        assertThat(floors.letGo("a", 50, 0)).isEqualTo(Verdict.OLDER_THAN_FLOOR);
        assertThat(floors.letGo("a", 51, 0)).isEqualTo(Verdict.CURRENT);
        floors.note("a", 150, 10, 5, 0); // a replayed older lease
        assertThat(floors.pollers("a", 99, 0)).isEqualTo(Verdict.OLDER_THAN_FLOOR);
        assertThat(floors.letGo("a", 49, 0)).isEqualTo(Verdict.OLDER_THAN_FLOOR);
        assertThat(floors.pollers("b", 101, 0)).as("per writer").isEqualTo(Verdict.UNKNOWN_WRITER);
    }

    /**
     * A writer that held nothing (paused) raises its pollers' floor above its latest stored states, which stay in the
     * map: that one is withdrawn, not put back; an older one is still a replay. Seen as false replays in a heavy start.
     */
    @Test
    void aWritersLatestPollersStatesBelowItsFloorAreWithdrawnAndOlderOnesAReplay() {
        StateFloors floors = new StateFloors(8);
        floors.note("a", 200, 100, 50, 0);
        floors.notePollersLatest("a", 101);
        assertThat(floors.pollers("a", 101, 0)).isEqualTo(Verdict.CURRENT);
        floors.note("a", 201, 300, 50, SECOND); // it holds nothing now
        floors.notePollersLatest("a", 101);
        assertThat(floors.pollers("a", 101, SECOND)).isEqualTo(Verdict.WITHDRAWN);
        assertThat(floors.pollers("a", 150, SECOND)).as("one it was storing as it let go").isEqualTo(Verdict.WITHDRAWN);
        assertThat(floors.pollers("a", 99, SECOND)).as("an older one put back").isEqualTo(Verdict.OLDER_THAN_FLOOR);
        floors.notePollersLatest("a", 50); // a replayed older lease
        assertThat(floors.pollers("a", 101, SECOND)).as("only rises").isEqualTo(Verdict.WITHDRAWN);
        floors.note("a", 202, 300, 200, SECOND);
        assertThat(floors.letGo("a", 150, SECOND)).as("let-go states: floors only").isEqualTo(Verdict.OLDER_THAN_FLOOR);
        floors.note("c", 10, 100, 50, SECOND); // leases that name no latest pollers' states
        assertThat(floors.pollers("c", 99, SECOND)).as("as before that field").isEqualTo(Verdict.OLDER_THAN_FLOOR);
        floors.notePollersLatest("b", 7);
        assertThat(floors.pollers("b", 7, SECOND)).as("no lease of b noted").isEqualTo(Verdict.UNKNOWN_WRITER);
    }

    @Test
    void aWritersStatesStopBeingCurrentOnceItsLeasesStopRising() {
        StateFloors floors = new StateFloors(8);
        floors.note("a", 200, 100, 50, 0);
        floors.note("a", 201, 100, 50, SECOND); // its last renewal
        long pollersFresh = StateFloors.POLLERS_FRESH_MILLIS * 1_000_000L;
        long letGoFresh = StateFloors.LET_GO_FRESH_MILLIS * 1_000_000L;
        floors.note("a", 201, 100, 50, SECOND + pollersFresh); // the same value read again: no renewal
        assertThat(floors.letGo("a", 51, SECOND + letGoFresh - 1)).isEqualTo(Verdict.CURRENT);
        assertThat(floors.letGo("a", 51, SECOND + letGoFresh)).isEqualTo(Verdict.WRITER_SILENT);
        assertThat(floors.pollers("a", 101, SECOND + pollersFresh - 1)).isEqualTo(Verdict.CURRENT);
        assertThat(floors.pollers("a", 101, SECOND + pollersFresh)).as("dead for good, however it is put back")
                .isEqualTo(Verdict.WRITER_SILENT);
    }

    @Test
    void theLeastRecentlyNotedWriterIsForgottenBeyondCapacity() {
        StateFloors floors = new StateFloors(2);
        floors.note("a", 1, 1, 1, 0);
        floors.note("b", 1, 1, 1, 0);
        floors.note("c", 1, 1, 1, 0);
        assertThat(floors.pollers("a", 2, 0)).isEqualTo(Verdict.UNKNOWN_WRITER);
        assertThat(floors.pollers("b", 2, 0)).isEqualTo(Verdict.CURRENT);
        assertThat(floors.pollers("c", 2, 0)).isEqualTo(Verdict.CURRENT);
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
