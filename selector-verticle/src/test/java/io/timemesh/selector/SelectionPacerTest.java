package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SelectionPacerTest {
    private static final long MS = 1_000_000L;
    private final SelectionPacer pacer = new SelectionPacer(50 * MS);

    @Test
    void theFirstChangeAndOneAfterAQuietIntervalSelectAtOnce() {
        assertThat(pacer.onChange(1_000 * MS)).isZero();
        pacer.selected(1_000 * MS);
        assertThat(pacer.onChange(1_050 * MS)).isZero();
    }

    @Test
    void changesWithinTheIntervalShareOneSelectionAtItsEnd() {
        pacer.onChange(0);
        pacer.selected(0);
        assertThat(pacer.onChange(10 * MS)).isEqualTo(40 * MS);
        assertThat(pacer.onChange(20 * MS)).isEqualTo(SelectionPacer.ALREADY_DUE);
        assertThat(pacer.onChange(49 * MS)).isEqualTo(SelectionPacer.ALREADY_DUE);
        pacer.selected(50 * MS);
        assertThat(pacer.onChange(60 * MS)).isEqualTo(40 * MS);
    }

    @Test
    void theIntervalGrowsWithTheSourcesFromFiftyMillisecondsToASecond() {
        assertThat(SelectionPacer.intervalFor(0)).isEqualTo(50 * MS);
        assertThat(SelectionPacer.intervalFor(5)).isEqualTo(50 * MS);
        assertThat(SelectionPacer.intervalFor(500)).isEqualTo(500 * MS);
        assertThat(SelectionPacer.intervalFor(1_000)).isEqualTo(1_000 * MS);
        assertThat(SelectionPacer.intervalFor(10_000)).isEqualTo(1_000 * MS);
    }

    @Test
    void aNegativeIntervalIsRefused() {
        assertThatThrownBy(() -> new SelectionPacer(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theReselectionTimerSelectsOnlyWhenNothingElseDidForHalfItsPeriodAndNoneIsDue() {
        long period = 1_000 * MS;
        assertThat(pacer.reselectDue(0, period)).as("nothing selected yet").isTrue();
        pacer.selected(0);
        assertThat(pacer.reselectDue(400 * MS, period)).as("selected 0.4 s ago").isFalse();
        assertThat(pacer.reselectDue(990 * MS, period)).as("a tick a little early").isTrue();
        pacer.selected(990 * MS);
        assertThat(pacer.onChange(1_000 * MS)).isEqualTo(40 * MS);
        assertThat(pacer.due()).isTrue();
        assertThat(pacer.reselectDue(1_995 * MS, period)).as("a selection is due anyway").isFalse();
    }

    @Test
    void aWaitingSelectionThatAnotherCoveredIsNoLongerDue() {
        pacer.selected(0);
        assertThat(pacer.onChange(10 * MS)).isEqualTo(40 * MS);
        pacer.selected(30 * MS); // e.g. a new leader's first selection
        assertThat(pacer.due()).isFalse();
    }
}
