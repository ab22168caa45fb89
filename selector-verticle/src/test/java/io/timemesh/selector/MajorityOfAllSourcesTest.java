package io.timemesh.selector;

import io.timemesh.core.message.SourceState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import io.timemesh.core.time.TimebaseLink;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The majority is of every configured server, one vote each (issue 13 §0): a source that stops being a
 * candidate, however it does, keeps its vote, and two names of one address vote once.
 */
class MajorityOfAllSourcesTest {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;
    private static final Selector.Links SAME_CLOCK = node -> Optional.of(TimebaseLink.self(node));
    private static final double HONEST = 0.3;
    private static final double LIE = 0.8;

    /** Every way a source can stop being a candidate. */
    enum Leave {
        /** It no longer answers: its last sample goes stale after 4 polls. */
        SILENCE,
        /** It sends a kiss-o'-death DENY and the sampler stops asking it. */
        KISS,
        /** Its root distance grows past maxDistance (1.5 s). */
        TOO_DISTANT,
        /** It answers with LI = 3 / stratum 16: no sample, only faults, until its last one is stale. */
        UNSYNCHRONISED,
        /** Its clock steps by −1 s: the filter's jitter widens λ to ~0.5 s about the new offset. */
        STEPPING
    }

    private static SourceSample sample(String source, String address, long at, double offset, double distance) {
        return new SourceSample(source, address, "node-a", at, at, OffsetInterval.around(offset, distance),
                new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                new SourceSample.ServerFields(2, "GPS", LeapIndicator.NO_WARNING, 0.001),
                new SourceSample.Estimate(offset, 0, 0), 0xFF, 1);
    }

    private static Selector selector(String... sources) {
        return new Selector(new SelectorSettings("node-s", new SelectionSettings(4, 1.5, Set.of(), 64, 1_000), List.of(sources), 15,
                LeapDays.JUNE_DECEMBER));
    }

    private static void leave(Selector selector, Leave way, String source, long t) {
        String address = source + ".ip:123";
        switch (way) {
            case SILENCE -> selector.onFault(new SourceFault(source, address, "node-a", t, "timeout", "", 0, false));
            case KISS -> selector.onFault(new SourceFault(source, address, "node-a", t, "kiss code", "DENY", 0, true));
            case TOO_DISTANT -> selector.onSample(sample(source, address, t, HONEST, 1.6));
            case UNSYNCHRONISED -> selector.onFault(new SourceFault(source, address, "node-a", t, "unsynchronised",
                    "LI 3, stratum 16", 0, false));
            case STEPPING -> selector.onSample(sample(source, address, t, HONEST - 1.0, 0.5));
        }
    }

    /**
     * The input: three honest sources at +0.3 s, two agreeing liars at +0.8 s; after 40 s two of
     * the honest ones leave. The liars never make a majority: the selector has none (the discipline holds).
     */
    @ParameterizedTest
    @EnumSource(Leave.class)
    void twoAgreeingLiarsNeverWinWhenTwoOfThreeHonestSourcesLeave(Leave way) {
        Selector selector = selector("h1", "h2", "h3", "l1", "l2");
        int majorities = 0;
        for (int second = 0; second <= 60; second++) {
            long t = T0 + second * S;
            for (String honest : List.of("h1", "h2", "h3")) {
                if (second >= 40 && !honest.equals("h3")) {
                    leave(selector, way, honest, t);
                } else {
                    selector.onSample(sample(honest, honest + ".ip:123", t, HONEST, 0.01));
                }
            }
            selector.onSample(sample("l1", "l1.ip:123", t, LIE, 0.01));
            selector.onSample(sample("l2", "l2.ip:123", t, LIE + 0.001, 0.01));
            Reference reference = selector.select(t, SAME_CLOCK);
            assertThat(reference.vote().candidates()).as("every configured server votes").isEqualTo(5);
            if (reference.usable()) {
                majorities++;
                assertThat(reference.offsetSeconds()).as("second %d", second).isCloseTo(HONEST, within(0.02));
                assertThat(reference.vote().survivors()).doesNotContain("l1", "l2");
            }
            if (second >= 45) { // every way has shown by then (a silent source's sample is stale after 4 s)
                assertThat(reference.status()).as("second %d: %s", second, reference.vote().exclusions())
                        .isEqualTo(Reference.Status.NO_MAJORITY);
                assertThat(reference.vote().agreeing()).isEqualTo(2);
                assertThat(reference.vote().exclusions()).filteredOn(e -> e.source().equals("h3")).singleElement()
                        .satisfies(e -> assertThat(e.reason()).contains("no majority", "2 of 5"));
            }
        }
        assertThat(majorities).as("the honest majority before the leave").isGreaterThanOrEqualTo(40);
    }

    @Test
    void anAliasOfALiarHasNoVoteOfItsOwn() {
        // "liar" and "liar-too" are two names of one server: it votes once, so 1 of 2 is no majority.
        Selector selector = selector("honest", "liar", "liar-too");
        selector.onSample(sample("honest", "127.0.0.1:123", T0, HONEST, 0.01));
        selector.onSample(sample("liar", "127.0.0.2:123", T0, LIE, 0.01));
        selector.onSample(sample("liar-too", "127.0.0.2:123", T0, LIE, 0.01));
        Reference reference = selector.select(T0, SAME_CLOCK);
        assertThat(reference.status()).isEqualTo(Reference.Status.NO_MAJORITY);
        assertThat(reference.vote().candidates()).isEqualTo(2);
        assertThat(reference.vote().exclusions()).filteredOn(e -> e.source().equals("liar-too")).singleElement()
                .satisfies(e -> {
                    assertThat(e.state()).isEqualTo(SourceState.ALIAS);
                    assertThat(e.reason()).contains("alias of liar", "127.0.0.2:123");
                });
        assertThat(selector.sources(T0, SAME_CLOCK)).filteredOn(v -> v.address().equals("liar-too")).singleElement()
                .satisfies(v -> assertThat(v.state()).isEqualTo(SourceState.ALIAS));
    }

    @Test
    void anAliasIsKnownByTheAddressItLastReachedEvenWhenItOnlyFails() {
        // Both names reach one server that denies service: one vote, and the alias is named as such.
        Selector selector = selector("a", "b", "c", "deny", "deny-too");
        for (String s : List.of("a", "b", "c")) {
            selector.onSample(sample(s, s + ".ip:123", T0, HONEST, 0.01));
        }
        selector.onFault(new SourceFault("deny", "127.0.0.9:123", "node-a", T0, "kiss code", "DENY", 0, true));
        selector.onFault(new SourceFault("deny-too", "127.0.0.9:123", "node-a", T0, "kiss code", "DENY", 0, true));
        // Later faults of a stopped source carry its name only: the address it reached is remembered.
        selector.onFault(new SourceFault("deny-too", "deny-too", "node-a", T0 + S, "kiss code", "DENY", 0, true));
        Reference reference = selector.select(T0 + S, SAME_CLOCK);
        assertThat(reference.vote().candidates()).isEqualTo(4);
        assertThat(reference.status()).isEqualTo(Reference.Status.MAJORITY); // 3 of 4
        assertThat(reference.vote().exclusions()).extracting(Reference.Exclusion::state).containsExactlyInAnyOrder(SourceState.KISS, SourceState.ALIAS);
    }

    @Test
    void aNameNotYetResolvedVotesUntilItShowsItselfAnAlias() {
        Selector selector = selector("a", "b", "a-too");
        selector.onSample(sample("a", "127.0.0.1:123", T0, HONEST, 0.01));
        selector.onSample(sample("b", "127.0.0.2:123", T0, HONEST, 0.01));
        Reference early = selector.select(T0, SAME_CLOCK);
        assertThat(early.vote().candidates()).isEqualTo(3);
        assertThat(early.status()).isEqualTo(Reference.Status.MAJORITY); // 2 of 3
        selector.onSample(sample("a-too", "127.0.0.1:123", T0, HONEST, 0.01));
        Reference later = selector.select(T0, SAME_CLOCK);
        assertThat(later.vote().candidates()).isEqualTo(2);
        assertThat(later.vote().survivors()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void aSuccessorKnowsTheAliasesFromTheState() {
        Selector selector = selector("liar", "liar-too", "honest");
        selector.onSample(sample("liar", "127.0.0.2:123", T0, LIE, 0.01));
        selector.onSample(sample("liar-too", "127.0.0.2:123", T0, LIE, 0.01));
        selector.onSample(sample("honest", "127.0.0.1:123", T0, HONEST, 0.01));
        selector.select(T0, SAME_CLOCK);
        Selector successor = selector("liar", "liar-too", "honest");
        successor.restore(selector.state());
        Reference next = successor.select(T0 + S, SAME_CLOCK);
        assertThat(next.vote().candidates()).isEqualTo(2);
        assertThat(next.status()).isEqualTo(Reference.Status.NO_MAJORITY);
    }

    @Test
    void theReferenceCarriesTheSystemPeersStratumAndAddress() {
        // The peer is the survivor of least root distance, here a stratum-5 server; the stratum-1 ones are wider.
        Selector selector = selector("near", "far1", "far2");
        selector.onSample(new SourceSample("near", "127.0.0.5:123", "node-a", T0, T0,
                OffsetInterval.around(HONEST, 0.005), new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                new SourceSample.ServerFields(5, "10.0.0.1", LeapIndicator.NO_WARNING, 0.001),
                new SourceSample.Estimate(HONEST, 0, 0), 0xFF, 1));
        selector.onSample(new SourceSample("far1", "127.0.0.6:123", "node-a", T0, T0,
                OffsetInterval.around(HONEST, 0.05), new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                new SourceSample.ServerFields(1, "GPS", LeapIndicator.NO_WARNING, 0.001),
                new SourceSample.Estimate(HONEST, 0, 0), 0xFF, 1));
        selector.onSample(new SourceSample("far2", "127.0.0.7:123", "node-a", T0, T0,
                OffsetInterval.around(HONEST, 0.05), new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                new SourceSample.ServerFields(1, "GPS", LeapIndicator.NO_WARNING, 0.001),
                new SourceSample.Estimate(HONEST, 0, 0), 0xFF, 1));
        Reference reference = selector.select(T0, SAME_CLOCK);
        assertThat(reference.peer().systemPeer()).isEqualTo("near");
        assertThat(reference.peer().stratum()).isEqualTo(5);
        assertThat(reference.peer().systemPeerAddress()).isEqualTo("127.0.0.5:123");
    }

    @Test
    void aSourceDroppedFromTheConfigurationHasNoVote() {
        // The predecessor knew "gone"; this selector is configured without it, so it is neither kept nor counted.
        Selector before = selector("a", "b", "c", "gone");
        Selector after = selector("a", "b", "c");
        before.onFault(new SourceFault("gone", "127.0.0.4:123", "node-a", T0, "timeout", "", 0, false));
        after.restore(before.state());
        for (String s : List.of("a", "b")) {
            after.onSample(sample(s, s + ".ip:123", T0, HONEST, 0.01));
        }
        after.onSample(sample("stray", "127.0.0.5:123", T0, LIE, 0.01)); // polled by a sampler with another config
        Reference reference = after.select(T0, SAME_CLOCK);
        assertThat(reference.vote().candidates()).isEqualTo(3);
        assertThat(reference.status()).isEqualTo(Reference.Status.MAJORITY); // 2 of 3
        assertThat(after.sources(T0, SAME_CLOCK)).extracting(v -> v.address()).containsExactly("a", "b", "c");
    }
}
