package io.timemesh.selector;

import io.timemesh.core.message.SourceState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SourceAuth;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.message.SourceView;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import io.timemesh.core.time.TimebaseLink;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SelectorTest {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;

    /** Samplers and selector on one node: every link is the identity. */
    private static final Selector.Links SAME_CLOCK = node -> Optional.of(TimebaseLink.self(node));

    private final Selector selector = new Selector(new SelectorSettings("node-s", new SelectionSettings(4, 1.5, Set.of(), 5, 1_000), List.of(), 15,
                LeapDays.JUNE_DECEMBER));

    private static SourceSample sample(String source, long at, double offset, double distance) {
        return new SourceSample(source, source, "node-a", at, at, OffsetInterval.around(offset, distance),
                new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                new SourceSample.ServerFields(2, "GPS", LeapIndicator.NO_WARNING, 0.001),
                new SourceSample.Estimate(offset, 0, 0), 0xFF, 1);
    }

    private SourceView view(String source, long now) {
        return selector.sources(now, SAME_CLOCK).stream().filter(v -> v.address().equals(source)).findFirst().orElseThrow();
    }

    @Test
    void fourTruthfulAndOneLiarSelectTheTruthAndMarkTheLiar() {
        selector.onSample(sample("a", T0, 0.301, 0.010));
        selector.onSample(sample("b", T0, 0.298, 0.010));
        selector.onSample(sample("c", T0, 0.303, 0.008));
        selector.onSample(sample("d", T0, 0.297, 0.012));
        selector.onSample(sample("liar", T0, 1.2, 0.010));
        Reference reference = selector.select(T0, SAME_CLOCK);
        assertThat(reference.status()).isEqualTo(Reference.Status.MAJORITY);
        assertThat(reference.vote().survivors()).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(reference.vote().falsetickers()).containsExactly("liar");
        assertThat(reference.vote().agreeing()).isEqualTo(4);
        assertThat(reference.vote().candidates()).isEqualTo(5);
        assertThat(reference.offsetSeconds()).isCloseTo(0.30, within(0.003));
        assertThat(reference.interval().low()).isLessThanOrEqualTo(0.30);
        assertThat(reference.interval().high()).isGreaterThanOrEqualTo(0.30);
        assertThat(reference.rootDistanceSeconds()).isEqualTo(Math.max(reference.offsetSeconds() - reference.interval().low(),
                reference.interval().high() - reference.offsetSeconds()));
        // The system peer's path: its root delay (1 ms) plus our delay to it (2 ms).
        assertThat(reference.peer().rootDelaySeconds()).isCloseTo(0.003, within(1e-15));
        assertThat(reference.peer().systemPeer()).isEqualTo("c"); // least root distance
        assertThat(reference.peer().stratum()).isEqualTo(2);
        assertThat(reference.vote().exclusions()).singleElement().satisfies(e -> {
            assertThat(e.source()).isEqualTo("liar");
            assertThat(e.state()).isEqualTo(SourceState.FALSETICKER);
            assertThat(e.reason()).contains("does not cover", "4 of 5 agree");
        });
        assertThat(view("liar", T0).state()).isEqualTo(SourceState.FALSETICKER);
        assertThat(view("a", T0).state()).isEqualTo(SourceState.SELECTED);
    }

    @Test
    void sourcesNotYetHeardFromStillCountSoEarlyAnswersCannotMakeAMajority() {
        Selector configured = new Selector(new SelectorSettings("node-s", new SelectionSettings(4, 1.5, Set.of(), 5, 1_000), List.of("a", "b", "liar1", "liar2"), 15,
                LeapDays.JUNE_DECEMBER));
        configured.onSample(sample("liar1", T0, 1.2, 0.01));
        configured.onSample(sample("liar2", T0, 1.2, 0.01));
        Reference early = configured.select(T0, SAME_CLOCK);
        assertThat(early.status()).isEqualTo(Reference.Status.NO_MAJORITY); // 2 of 4 voters
        assertThat(early.vote().candidates()).isEqualTo(4);
        configured.onFault(new SourceFault("a", "a", "node-a", T0, "timeout", "", 0, false));
        configured.onFault(new SourceFault("b", "b", "node-a", T0, "timeout", "", 0, false));
        // a and b were tried and do not answer: they still vote, and the two that answer are not a majority.
        Reference tried = configured.select(T0, SAME_CLOCK);
        assertThat(tried.status()).isEqualTo(Reference.Status.NO_MAJORITY);
        assertThat(tried.vote().candidates()).isEqualTo(4);
    }

    @Test
    void samplesFromAnotherNodeWaitForTheirLinkThenAreRebased() {
        selector.onSample(sample("a", T0, 0.300, 0.010));
        Reference unlinked = selector.select(T0, node -> Optional.empty());
        assertThat(unlinked.status()).isEqualTo(Reference.Status.NO_CANDIDATES);
        assertThat(view("a", T0).reason()).contains("measuring the timebase to sampler node node-a");
        // node-a's clock is 5 ms ahead of ours, known to ±1 ms: true time is 0.305 s ahead of ours.
        Reference linked = selector.select(T0, node -> Optional.of(new TimebaseLink(node, 0.005, 0.001, T0)));
        assertThat(linked.offsetSeconds()).isCloseTo(0.305, within(1e-12));
        assertThat(linked.rootDistanceSeconds()).isCloseTo(0.011, within(1e-6)); // plus PHI × 5 ms of ageing
    }

    @Test
    void samplesAwaitingTheirLinkStillVoteSoALocalLiarCannotWinAlone() {
        // After a takeover: a and b were sampled on other nodes (links not measured yet), c on ours and lies.
        selector.onSample(new SourceSample("a", "a", "n0", T0, T0, OffsetInterval.around(0.0, 0.002),
                new SourceSample.Filter(0.001, 0, 0, 1),
                new SourceSample.ServerFields(1, "GPS", LeapIndicator.NO_WARNING, 0),
                new SourceSample.Estimate(0.0, 0, 0), 1, 1));
        selector.onSample(new SourceSample("b", "b", "n2", T0, T0, OffsetInterval.around(0.0, 0.002),
                new SourceSample.Filter(0.001, 0, 0, 1),
                new SourceSample.ServerFields(1, "GPS", LeapIndicator.NO_WARNING, 0),
                new SourceSample.Estimate(0.0, 0, 0), 1, 1));
        selector.onSample(new SourceSample("c", "c", "n1", T0, T0, OffsetInterval.around(1.0, 0.002),
                new SourceSample.Filter(0.001, 0, 0, 1),
                new SourceSample.ServerFields(1, "GPS", LeapIndicator.NO_WARNING, 0),
                new SourceSample.Estimate(1.0, 0, 0), 1, 1));
        Selector.Links onlyOurs = node -> node.equals("n1") ? Optional.of(TimebaseLink.self(node)) : Optional.empty();
        Reference first = selector.select(T0, onlyOurs);
        assertThat(first.status()).isEqualTo(Reference.Status.NO_MAJORITY);
        assertThat(first.vote().candidates()).isEqualTo(3);
        assertThat(selector.samplerNodes()).containsExactlyInAnyOrder("n0", "n1", "n2");
        Reference linked = selector.select(T0, SAME_CLOCK);
        assertThat(linked.status()).isEqualTo(Reference.Status.MAJORITY);
        assertThat(linked.vote().falsetickers()).containsExactly("c");
    }

    @Test
    void aSuccessorContinuesFromTheState() {
        selector.onSample(sample("a", T0, 0.30, 0.01));
        selector.onSample(sample("b", T0, 0.30, 0.01));
        selector.onSample(sample("liar", T0, 1.2, 0.01));
        selector.onAuth(new SourceAuth("a", "node-a", SourceAuth.NTS, 6, T0 - S));
        selector.select(T0, SAME_CLOCK);
        Selector successor = new Selector(new SelectorSettings("node-t", new SelectionSettings(4, 1.5, Set.of(), 5, 1_000), List.of(), 15,
                LeapDays.JUNE_DECEMBER));
        successor.restore(selector.state());
        assertThat(successor.history()).singleElement().satisfies(r -> assertThat(r.id().sequence()).isEqualTo(1));
        Reference next = successor.select(T0 + S, SAME_CLOCK);
        assertThat(next.id().sequence()).isEqualTo(2);
        assertThat(successor.history()).hasSize(2);
        assertThat(next.vote().survivors()).containsExactlyInAnyOrder("a", "b");
        assertThat(successor.sources(T0 + S, SAME_CLOCK).stream().filter(v -> v.address().equals("liar"))
                .findFirst().orElseThrow().outliers()).isEqualTo(2);
        // An NTS source's carried sample is shown as authenticated before its sampler's next poll.
        assertThat(successor.sources(T0 + S, SAME_CLOCK)).filteredOn(v -> v.address().equals("a")).singleElement()
                .satisfies(v -> {
                    assertThat(v.auth()).isEqualTo(SourceAuth.NTS);
                    assertThat(v.ntsCookies()).isEqualTo(6);
                });
        assertThat(successor.sources(T0 + S, SAME_CLOCK)).filteredOn(v -> v.address().equals("b")).singleElement()
                .satisfies(v -> assertThat(v.auth()).isEqualTo(SourceAuth.NONE));
    }

    @Test
    void aSourceIsAuthenticatedOnlyByItsOwnSamplerAndOnlyUntilAPlainSample() {
        selector.onSample(sample("a", T0, 0.30, 0.01));
        selector.onAuth(new SourceAuth("a", "node-x", SourceAuth.NTS, 8, T0)); // not the sampler of its sample
        assertThat(view("a", T0).auth()).isEqualTo(SourceAuth.NONE);
        selector.onAuth(new SourceAuth("a", "node-a", SourceAuth.NTS, 8, T0));
        assertThat(view("a", T0).auth()).isEqualTo(SourceAuth.NTS);
        // Polled without NTS now (its configuration changed): its next sample comes without an authentication.
        selector.onSample(sample("a", T0 + S, 0.30, 0.01));
        assertThat(view("a", T0 + S).auth()).isEqualTo(SourceAuth.NONE);
        assertThat(view("a", T0 + S).ntsCookies()).isNull();
    }

    @Test
    void repeatOutliersAreCounted() {
        for (int i = 0; i < 3; i++) {
            long t = T0 + i * S;
            selector.onSample(sample("a", t, 0.30, 0.01));
            selector.onSample(sample("b", t, 0.30, 0.01));
            selector.onSample(sample("liar", t, 1.2, 0.01));
            selector.select(t, SAME_CLOCK);
        }
        assertThat(view("liar", T0 + 3 * S).outliers()).isEqualTo(3);
        assertThat(view("a", T0 + 3 * S).outliers()).isZero();
    }

    @Test
    void twoAgreeingLiarsAgainstTwoHonestSourcesGiveNoMajority() {
        selector.onSample(sample("h1", T0, 0.30, 0.01));
        selector.onSample(sample("h2", T0, 0.305, 0.01));
        selector.onSample(sample("l1", T0, 1.20, 0.01));
        selector.onSample(sample("l2", T0, 1.205, 0.01));
        Reference reference = selector.select(T0, SAME_CLOCK);
        assertThat(reference.status()).isEqualTo(Reference.Status.NO_MAJORITY);
        assertThat(reference.usable()).isFalse();
        assertThat(reference.vote().survivors()).isEmpty();
        assertThat(view("h1", T0).state()).isEqualTo(SourceState.CANDIDATE);
        assertThat(view("h1", T0).reason()).contains("no majority");
    }

    @Test
    void staleSamplesMakeASourceUnreachableAndNoCandidatesMeansNoReference() {
        selector.onSample(sample("a", T0, 0.3, 0.01));
        selector.onFault(new SourceFault("a", "a", "node-a", T0 + 2 * S, "timeout", "no valid reply", 0xFE, false));
        assertThat(selector.select(T0 + 4 * S, SAME_CLOCK).status()).isEqualTo(Reference.Status.MAJORITY); // 4 polls of 1 s
        Reference reference = selector.select(T0 + 5 * S, SAME_CLOCK);
        assertThat(reference.status()).isEqualTo(Reference.Status.NO_CANDIDATES);
        assertThat(reference.vote().exclusions()).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(SourceState.UNREACHABLE);
            assertThat(e.reason()).contains("no sample for 5.0 s", "timeout");
        });
        assertThat(view("a", T0 + 5 * S).reach()).isEqualTo(0xFE);
    }

    @Test
    void deniedSourcesAreKissAndTooDistantOnesAreOutButStillVote() {
        selector.onFault(new SourceFault("k", "k", "node-a", T0, "kiss code", "DENY", 0, true));
        selector.onSample(sample("far", T0, 0.3, 1.6));
        selector.onSample(sample("near1", T0, 0.3, 0.01));
        selector.onSample(sample("near2", T0, 0.3, 0.01));
        selector.onSample(sample("near3", T0, 0.3, 0.01));
        Reference reference = selector.select(T0, SAME_CLOCK);
        assertThat(reference.status()).isEqualTo(Reference.Status.MAJORITY); // 3 of 5
        assertThat(reference.vote().candidates()).isEqualTo(5);
        assertThat(reference.vote().survivors()).containsExactlyInAnyOrder("near1", "near2", "near3");
        assertThat(view("k", T0).state()).isEqualTo(SourceState.KISS);
        assertThat(view("far", T0).state()).isEqualTo(SourceState.TOO_DISTANT);
        assertThat(view("near1", T0).state()).isEqualTo(SourceState.SELECTED);
    }

    /** A pool member stopped by a kiss moves to another server of its pool: its newer samples count again. */
    @Test
    void aKissedSourceThatAnswersAgainIsACandidateAgain() {
        selector.onSample(sample("k", T0, 0.3, 0.01));
        selector.onFault(new SourceFault("k", "k", "node-a", T0 + S, "kiss code", "DENY", 0, true));
        selector.onSample(sample("near1", T0 + S, 0.3, 0.01));
        selector.onSample(sample("near2", T0 + S, 0.3, 0.01));
        selector.select(T0 + S, SAME_CLOCK);
        assertThat(view("k", T0 + S).state()).isEqualTo(SourceState.KISS);
        selector.onSample(sample("k", T0 + 2 * S, 0.3, 0.01));
        Reference reference = selector.select(T0 + 2 * S, SAME_CLOCK);
        assertThat(reference.vote().survivors()).contains("k");
        assertThat(view("k", T0 + 2 * S).state()).isEqualTo(SourceState.SELECTED);
    }

    @Test
    void aSelectorLeadingAgainKeepsEachDecisionOnce() {
        selector.onSample(sample("a", T0, 0.30, 0.01));
        selector.onSample(sample("b", T0, 0.30, 0.01));
        selector.select(T0, SAME_CLOCK);
        selector.select(T0 + S, SAME_CLOCK);
        SelectorState written = selector.state(); // what it stored for a successor: decisions 1 and 2
        selector.restore(written); // it stepped down, nobody else led, and it leads again
        assertThat(selector.history()).extracting(r -> r.id().sequence()).containsExactly(1L, 2L);
        assertThat(selector.select(T0 + 2 * S, SAME_CLOCK).id().sequence()).isEqualTo(3);
    }

    @Test
    void distancesAgeAtPhiAndHistoryIsBounded() {
        selector.onSample(sample("a", T0, 0.3, 0.01));
        Reference later = selector.select(T0 + 2 * S, SAME_CLOCK);
        assertThat(later.rootDistanceSeconds()).isCloseTo(0.01 + 15e-6 * 2, within(1e-12));
        for (int i = 0; i < 10; i++) {
            selector.select(T0 + 2 * S, SAME_CLOCK);
        }
        assertThat(selector.history()).hasSize(5);
        assertThat(selector.history().get(4).id().sequence()).isEqualTo(11);
    }

    /** A selection among a, b and c at offsets {@code a}, {@code b} and {@code c}, each ± {@code distance}. */
    private Reference selectAmong(double a, double b, double c, double distance) {
        selector.onSample(sample("a", T0, a, distance));
        selector.onSample(sample("b", T0, b, distance));
        selector.onSample(sample("c", T0, c, distance));
        return selector.select(T0, SAME_CLOCK);
    }

    @Test
    void rootDelayAndDispersionInTheDecisionsCarryExactlyTheHullEvenWhenThePeersDelayIsWider() {
        // Exact intervals narrower than the peer's round trip (δ 2 ms + root delay 1 ms): the root fields /status
        // shows must still add up to the hull's distance from the offset, never more.
        Reference reference = selectAmong(0.3001, 0.2999, 0.3000, 0.0004);
        assertThat(reference.usable()).isTrue();
        JsonObject decision = DecisionJson.of(reference);
        double rootDistance = decision.getDouble("rootDistanceSeconds");
        assertThat(rootDistance).isEqualTo(reference.rootDistanceSeconds());
        assertThat(decision.getDouble("rootDelaySeconds")).isEqualTo(2 * rootDistance);
        assertThat(decision.getDouble("rootDelaySeconds") / 2 + decision.getDouble("rootDispersionSeconds"))
                .isCloseTo(rootDistance, within(1e-12));
        assertThat(decision.getDouble("lowSeconds")).isEqualTo(reference.interval().low());
        assertThat(decision.getDouble("highSeconds")).isEqualTo(reference.interval().high());
        assertThat(decision.getString("systemPeer")).isEqualTo(reference.peer().systemPeer());
        assertThat(decision.getInteger("candidates")).isEqualTo(3);
        assertThat(decision.getLong("sequence")).isEqualTo(reference.id().sequence());
    }

    @Test
    void aDecisionWithoutAMajorityShowsNoInterval() {
        Reference reference = selectAmong(0.3, 0.5, 0.7, 0.001);
        assertThat(reference.status()).isEqualTo(Reference.Status.NO_MAJORITY);
        assertThat(reference.interval()).isNull();
        JsonObject decision = DecisionJson.of(reference);
        for (String field : List.of("lowSeconds", "highSeconds", "rootDistanceSeconds", "rootDelaySeconds",
                "rootDispersionSeconds")) {
            assertThat(decision.getDouble(field)).as(field).isZero();
        }
        assertThat(decision.getInteger("stratum")).isEqualTo(16);
        assertThat(decision.getString("status")).isEqualTo("NO_MAJORITY");
    }

    @Test
    void theCombinedOffsetIsTheSurvivorsEstimatesCarriedAtTheirFrequencyInsideTheHull() {
        // Intervals centred on 0.300, published 2 s ago, each source's estimate at 0.3005 and running 100 ppm: the
        // reference follows the estimates carried to now (0.3007 s), not the intervals' centres.
        for (String source : List.of("a", "b", "c")) {
            selector.onSample(new SourceSample(source, source, "node-a", T0 - 2 * S, T0 - 2 * S,
                    OffsetInterval.around(0.300, 0.001), new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                    new SourceSample.ServerFields(2, "GPS", LeapIndicator.NO_WARNING, 0.001),
                    new SourceSample.Estimate(0.3005, 1e-5, 100e-6), 0xFF, 1));
        }
        Reference reference = selector.select(T0, SAME_CLOCK);
        assertThat(reference.offsetSeconds()).isCloseTo(0.3007, within(1e-12));
        assertThat(reference.offsetSeconds()).isBetween(reference.interval().low(), reference.interval().high());
    }

    @Test
    void theSourcesViewShowsEachSourcesOwnEstimateCarriedToNow() {
        selector.onSample(new SourceSample("a", "a", "node-a", T0, T0, OffsetInterval.around(0.301, 0.010),
                new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                new SourceSample.ServerFields(2, "GPS", LeapIndicator.NO_WARNING, 0.001),
                new SourceSample.Estimate(0.3005, 2e-5, 3e-6), 0xFF, 1));
        SourceView view = view("a", T0 + 10 * S);
        assertThat(view.offsetNs()).isEqualTo(301_000_000L); // the interval's centre
        assertThat(view.estimateNs()).isEqualTo(300_530_000L); // 0.3005 s + 3 ppm × 10 s
        assertThat(view.estimateErrorNs()).isEqualTo(20_000L);
        assertThat(view.frequencyPpm()).isCloseTo(3, within(1e-9));
    }

    @Test
    void aSourcesIntervalAgesAtTheConfiguredDriftBound() {
        Selector drifting = new Selector(new SelectorSettings("node-s", new SelectionSettings(4, 1.5, Set.of(), 5, 1_000), List.of(), 40,
                LeapDays.JUNE_DECEMBER));
        drifting.onSample(sample("a", T0, 0.3, 0.001));
        SourceView view = drifting.sources(T0 + 10 * S, SAME_CLOCK).get(0);
        assertThat(view.rootDistanceNs()).isEqualTo(1_000_000L + 400_000L); // 1 ms + 40 ppm × 10 s
    }
}
