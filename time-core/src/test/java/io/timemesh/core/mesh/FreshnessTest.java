package io.timemesh.core.mesh;

import static org.assertj.core.api.Assertions.assertThat;

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
}
