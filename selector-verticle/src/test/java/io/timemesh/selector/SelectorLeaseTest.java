package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.selector.SelectorLease.Lease;
import io.timemesh.selector.SelectorLease.Move;
import org.junit.jupiter.api.Test;

class SelectorLeaseTest {
    private static final long S = 1_000_000_000L;
    private final SelectorLease lease = new SelectorLease("b", 3 * S, 2 * S);

    @Test
    void anAbsentLeaseIsTakenAtAnEpochAboveEveryOneSeen() {
        assertThat(lease.observe(false, null, 0)).isEqualTo(Move.TAKE);
        lease.sawReference("a", 7);
        assertThat(lease.candidate()).isEqualTo(new Lease("b", 8, 0));
    }

    @Test
    void aStandbyTakesOverOnlyOnceTheGenuineLeaseStopsChangingForTheTimeout() {
        long t = 0;
        for (int renewal = 0; renewal < 20; renewal++, t += S / 2) {
            assertThat(lease.observe(true, new Lease("a", 4, renewal), t)).isEqualTo(Move.WAIT);
        }
        Lease stuck = new Lease("a", 4, 20);
        assertThat(lease.observe(true, stuck, t)).isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, stuck, t + 3 * S - 1)).isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, stuck, t + 3 * S)).isEqualTo(Move.TAKE);
        assertThat(lease.candidate().epoch()).isEqualTo(5);
    }

    @Test
    void aSquattersValueIsOverwrittenByAStandbyOnlyWhenNoGenuineRenewalWasSeenForTheTimeout() {
        assertThat(lease.observe(true, null, 0)).isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, new Lease("a", 2, 0), S)).isEqualTo(Move.WAIT); // the leader wrote it back
        assertThat(lease.observe(true, null, 2 * S)).isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, null, 4 * S - 1)).isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, null, 4 * S)).isEqualTo(Move.TAKE); // 3 s since the genuine value changed
    }

    @Test
    void theLeaderPublishesOnlyWhileItsLastRenewalIsRecent() {
        lease.held(new Lease("b", 1, 0), 10 * S);
        assertThat(lease.mayPublish(10 * S)).isTrue();
        assertThat(lease.mayPublish(12 * S - 1)).isTrue();
        assertThat(lease.mayPublish(12 * S)).as("stalled: a standby may take over a second later").isFalse();
        lease.renewed(lease.nextRenewal(), 16 * S);
        assertThat(lease.mayPublish(16 * S)).isTrue();
        lease.lost();
        assertThat(lease.mayPublish(16 * S)).isFalse();
    }

    @Test
    void aRivalAtOurEpochOrAboveMovesTheLeaderToAHigherEpochAtItsNextRenewal() {
        lease.held(new Lease("b", 5, 3), 0);
        lease.sawReference("b", 5); // our own
        lease.sawReference("a", 4); // a deposed one
        assertThat(lease.nextRenewal()).isEqualTo(new Lease("b", 5, 4));
        lease.sawReference("a", 6); // the other side of a healed split
        Lease next = lease.nextRenewal();
        assertThat(next).isEqualTo(new Lease("b", 7, 4));
        lease.renewed(next, S);
        assertThat(lease.nextRenewal()).isEqualTo(new Lease("b", 7, 5));
    }

    @Test
    void theLeaderYieldsOnlyToAHigherLeadership() {
        lease.held(new Lease("b", 5, 3), 0);
        assertThat(lease.yieldsTo(new Lease("a", 4, 90))).as("an old lease put back").isFalse();
        assertThat(lease.yieldsTo(new Lease("c", 5, 1))).as("same epoch, a name after ours").isFalse();
        assertThat(lease.yieldsTo(new Lease("a", 5, 1))).as("same epoch, a name before ours").isTrue();
        assertThat(lease.yieldsTo(new Lease("c", 6, 0))).isTrue();
    }

    /** A squatter overwriting the lease between renewals: the standby sees no genuine change, but hears the leader. */
    @Test
    void aStandbyWaitsWhileTheLeaseHolderPublishesEvenIfItsRenewalsAreOverwritten() {
        assertThat(lease.observe(true, new Lease("a", 4, 10), 0)).isEqualTo(Move.WAIT);
        for (long t = S; t <= 10 * S; t += S) {
            lease.leaderPublished("a", 4, t);
            assertThat(lease.observe(true, null, t)).as("squatted at %d s", t / S).isEqualTo(Move.WAIT);
        }
        lease.leaderPublished("a", 3, 11 * S); // a deposed leadership of the same node: no sign of this one
        lease.leaderPublished("c", 4, 11 * S); // another node
        assertThat(lease.observe(true, null, 13 * S)).isEqualTo(Move.TAKE);
    }
}
