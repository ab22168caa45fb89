package io.timemesh.core.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class FreshnessTest {

    @Test
    void aCounterIsTakenOncePerSenderAndOnlyAboveTheHighestTaken() {
        Freshness freshness = new Freshness(16);
        assertThat(freshness.advance("a", 5)).isTrue();
        assertThat(freshness.advance("a", 5)).as("replayed").isFalse();
        assertThat(freshness.advance("a", 4)).as("older").isFalse();
        assertThat(freshness.advance("b", 4)).as("another sender's own counter").isTrue();
        assertThat(freshness.advance("a", 9)).isTrue();
        assertThat(freshness.advance("a", 6)).isFalse();
    }

    /** Probes of several verticles of one node, sealed in one order and sent in another: each taken once. */
    @Test
    void aWindowTakesReorderedCountersOnceEachAndNothingOlder() {
        Freshness freshness = new Freshness(16, 64);
        assertThat(freshness.advance("a", 100)).isTrue();
        assertThat(freshness.advance("a", 103)).isTrue();
        assertThat(freshness.advance("a", 101)).as("reordered").isTrue();
        assertThat(freshness.advance("a", 101)).as("replayed").isFalse();
        assertThat(freshness.advance("a", 103)).as("replayed").isFalse();
        assertThat(freshness.advance("a", 102)).isTrue();
        assertThat(freshness.advance("a", 200)).isTrue();
        assertThat(freshness.advance("a", 136)).as("64 behind: outside the window").isFalse();
        assertThat(freshness.advance("a", 138)).as("62 behind").isTrue();
        assertThat(freshness.advance("a", 1_000)).isTrue();
        assertThat(freshness.advance("a", 999)).as("after a jump beyond the window").isTrue();
        assertThat(freshness.advance("a", 200)).isFalse();
    }

    @Test
    void aWindowIsOneToSixtyFour() {
        assertThatThrownBy(() -> new Freshness(16, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Freshness(16, 65)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStoredValueMayBeReadAgainButNotAnOlderOne() {
        Freshness freshness = new Freshness(16);
        assertThat(freshness.notBehind("a", 5)).isTrue();
        assertThat(freshness.notBehind("a", 5)).as("read again").isTrue();
        assertThat(freshness.notBehind("a", 4)).as("older, put back").isFalse();
        assertThat(freshness.notBehind("a", 7)).isTrue();
        assertThat(freshness.notBehind("a", 5)).isFalse();
        assertThat(freshness.notBehind("b", 1)).as("another writer's own counter").isTrue();
    }

    @Test
    void theLeastRecentlyHeardSenderIsForgottenBeyondCapacity() {
        Freshness freshness = new Freshness(2);
        freshness.advance("a", 1);
        freshness.advance("b", 1);
        freshness.advance("a", 2); // a heard again: b is the least recent
        freshness.advance("c", 1);
        assertThat(freshness.advance("a", 2)).isFalse();
        assertThat(freshness.advance("b", 1)).as("forgotten").isTrue();
    }

    /** Whatever order counters come in: each is taken at most once, and never one a window behind the highest. */
    @Property
    void noCounterIsTakenTwiceOrFromBehindTheWindow(@ForAll @Size(max = 300) List<@IntRange(min = 0, max = 400) Integer> counters,
                                                   @ForAll @IntRange(min = 1, max = 64) int window) {
        Freshness freshness = new Freshness(4, window);
        Set<Integer> taken = new HashSet<>();
        long highest = Long.MIN_VALUE;
        for (int counter : counters) {
            boolean fresh = freshness.advance("a", counter);
            if (fresh) {
                assertThat(taken.add(counter)).as("%d taken twice", counter).isTrue();
                assertThat(highest == Long.MIN_VALUE || counter > highest - window).isTrue();
            } else {
                assertThat(taken.contains(counter) || counter <= highest - window).as("%d refused", counter).isTrue();
            }
            highest = Math.max(highest, counter);
        }
    }
}
