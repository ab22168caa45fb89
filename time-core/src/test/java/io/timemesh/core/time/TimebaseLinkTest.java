package io.timemesh.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.ntp.LeapIndicator;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimebaseLinkTest {

    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_000_000L * S;

    /** Their clock runs 2 ms ahead of ours, known to ±0.1 ms. */
    private final TimebaseLink link = new TimebaseLink("a", 0.002, 0.0001, T0);

    @Test
    void sampleOffsetsAndTimesMoveToOurTimescaleAndTheBoundWidens() {
        // True time is 0.300 s ahead of their clock, so 0.302 s ahead of ours.
        SourceSample theirs = new SourceSample("s", "s", "a", T0 + 2_000_000L, T0 + 2_000_000L,
                OffsetInterval.around(0.300, 0.005), new SourceSample.Filter(0.001, 0, 0, 1),
                new SourceSample.ServerFields(1, "GPS", LeapIndicator.NO_WARNING, 0),
                new SourceSample.Estimate(0.300, 0, 0), 1, 1);
        SourceSample ours = link.rebase(theirs, T0 + 10 * S);
        assertThat(ours.offsetSeconds()).isCloseTo(0.302, within(1e-12));
        assertThat(ours.sampleTimeNanos()).isEqualTo(T0);
        assertThat(ours.rootDistanceSeconds()).isCloseTo(0.005 + 0.0001 + 2 * 15e-6 * 10, within(1e-12));
    }

    @Test
    void referencesRebaseTheirIntervalAndWidenIt() {
        Reference theirs = new Reference(new Reference.Identity("a", 1, T0 + 2_000_000L, T0),
                Reference.Status.MAJORITY, 0.3, new OffsetInterval(0.29, 0.31), new OffsetInterval(0.299, 0.301),
                new Reference.Vote(3, 3, List.of(), List.of(), List.of()),
                new Reference.Peer(1, LeapIndicator.NO_WARNING, "p", null, 0.004));
        Reference ours = link.rebase(theirs, T0);
        assertThat(ours.offsetSeconds()).isCloseTo(0.302, within(1e-12));
        assertThat(ours.interval().low()).isCloseTo(0.2919, within(1e-12));
        assertThat(ours.interval().high()).isCloseTo(0.3121, within(1e-12));
        assertThat(ours.region().low()).isCloseTo(0.301, within(1e-12));
        assertThat(ours.region().high()).isCloseTo(0.303, within(1e-12));
        assertThat(ours.peer()).isEqualTo(theirs.peer()); // the root delay is the path's, not the hop's
        assertThat(ours.id().timeNanos()).isEqualTo(T0);
        assertThat(ours.id().basisNanos()).isEqualTo(T0); // an identifier, kept as the selector wrote it
    }

    @Test
    void ourOwnNodeIsTheIdentity() {
        TimebaseLink self = TimebaseLink.self("me");
        assertThat(self.identity()).isTrue();
        assertThat(self.distanceAt(T0)).isZero();
        SourceSample sample = new SourceSample("s", "s", "me", T0, T0, OffsetInterval.around(0.3, 0.005),
                new SourceSample.Filter(0, 0, 0, 1),
                new SourceSample.ServerFields(1, "GPS", LeapIndicator.NO_WARNING, 0),
                new SourceSample.Estimate(0.3, 0, 0), 1, 1);
        assertThat(self.rebase(sample, T0 + S)).isSameAs(sample);
    }
}
