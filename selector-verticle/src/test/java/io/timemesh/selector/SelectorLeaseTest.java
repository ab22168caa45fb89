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
        assertThat(lease.observe(false, null, 0, true, 0)).as("a new cluster").isEqualTo(Move.TAKE);
        lease.sawReference("a", 7);
        assertThat(lease.candidate()).isEqualTo(new Lease("b", 8, 0));
    }

    @Test
    void aStandbyTakesOverOnlyOnceTheGenuineLeaseStopsChangingForTheTimeout() {
        long t = 0;
        for (int renewal = 0; renewal < 20; renewal++, t += S / 2) {
            assertThat(lease.observe(true, new Lease("a", 4, renewal), 100 + renewal, true, t)).isEqualTo(Move.WAIT);
        }
        Lease stuck = new Lease("a", 4, 20);
        assertThat(lease.observe(true, stuck, 120, true, t)).isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, stuck, 120, true, t + 3 * S - 1)).isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, stuck, 120, true, t + 3 * S)).isEqualTo(Move.TAKE);
        assertThat(lease.candidate().epoch()).isEqualTo(5);
    }

    @Test
    void aSquattersValueIsOverwrittenByAStandbyOnlyWhenNoGenuineRenewalWasSeenForTheTimeout() {
        assertThat(lease.observe(true, null, 0, true, 0)).isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, new Lease("a", 2, 0), 50, true, S)).isEqualTo(Move.WAIT); // the leader wrote it back
        assertThat(lease.observe(true, null, 0, true, 2 * S)).isEqualTo(Move.WAIT);
        assertThat(lease.observe(false, null, 0, true, 3 * S)).as("deleted: no signal").isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, null, 0, true, 4 * S - 1)).isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, null, 0, true, 4 * S)).isEqualTo(Move.TAKE); // 3 s since the genuine value changed
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

    /** Two renewals side by side (the first outlived its tick): the one that completes last sets nothing back. */
    @Test
    void aRenewalCompletingAfterANewerOneNeverSetsTheLeaseBack() {
        lease.held(new Lease("b", 5, 3), 0);
        Lease slow = lease.nextRenewal(); // begun at 1 s
        lease.sawReference("a", 5); // a rival at our epoch: the next renewal moves up
        Lease newer = lease.nextRenewal(); // begun at 2 s
        assertThat(newer).isEqualTo(new Lease("b", 6, 4));
        lease.renewed(newer, 2 * S);
        lease.renewed(slow, S);
        assertThat(lease.held()).isEqualTo(newer);
        assertThat(lease.nextRenewal()).as("the move made, not wanted again").isEqualTo(new Lease("b", 6, 5));
        assertThat(lease.mayPublish(4 * S - 1)).as("counted from the newer renewal's start").isTrue();
        assertThat(lease.mayPublish(4 * S)).isFalse();
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

    @Test
    void theLeaderYieldsAtItsNextTickToAHigherRivalOnlyIfItAnswersOurChallenges() {
        lease.held(new Lease("b", 5, 3), 0);
        lease.rivalHeard("b", 5, true, 0);
        assertThat(lease.yieldDue()).as("our own reference").isNull();
        lease.rivalHeard("c", 4, true, 0);
        assertThat(lease.yieldDue()).as("a lower leadership").isNull();
        lease.rivalHeard("c", 5, true, 0);
        assertThat(lease.yieldDue()).as("our epoch, a name after ours").isNull();
        lease.rivalHeard("c", 6, false, 0);
        assertThat(lease.yieldDue()).as("a dead selector's replayed reference").isNull();
        assertThat(lease.nextRenewal().epoch()).as("moved above it instead").isEqualTo(7);
        lease.rivalHeard("a", 5, true, 0);
        lease.rivalHeard("c", 6, true, 0);
        assertThat(lease.yieldDue()).as("the highest heard").isEqualTo(new Lease("c", 6, 0));
        assertThat(lease.yieldDue()).as("once").isNull();
        lease.lost();
        lease.rivalHeard("c", 9, true, 0);
        assertThat(lease.yieldDue()).as("a standby yields to nobody").isNull();
        assertThat(lease.candidate().epoch()).as("but knows the epoch").isEqualTo(10);
    }

    @Test
    void aRivalThatDoesNotAnswerMovesTheLeaderUpAtMostOncePerTenTimeouts() {
        lease.held(new Lease("b", 5, 3), 0);
        lease.rivalHeard("c", 6, false, 0);
        Lease moved = lease.nextRenewal();
        assertThat(moved.epoch()).isEqualTo(7);
        lease.renewed(moved, 0);
        lease.rivalHeard("c", 8, false, S);
        assertThat(lease.nextRenewal().epoch()).as("probes diverted: no move for now").isEqualTo(7);
        lease.rivalHeard("c", 8, false, 30 * S);
        assertThat(lease.nextRenewal().epoch()).as("ten timeouts later").isEqualTo(9);
    }

    /** A selector of {@code node} holding the lease at {@code epoch}. */
    private static SelectorLease leading(String node, long epoch) {
        SelectorLease leader = new SelectorLease(node, 3 * S, 2 * S);
        leader.held(new Lease(node, epoch, 0), 0);
        return leader;
    }

    /**
     * A yield is carried out at the next tick, against the lease held then: a renewal that was in flight
     * when the rival was heard may have moved us level with it and above by name, so the rival yields to
     * our value in the map instead, and one of the two leads (never neither).
     */
    @Test
    void aYieldHeardDuringARenewalIsCheckedAgainstWhatTheRenewalWrote() {
        SelectorLease a = leading("a", 6);
        SelectorLease b = leading("b", 6);
        a.rivalHeard("b", 6, false, 0);
        b.rivalHeard("a", 6, false, 0);
        b.renewed(b.nextRenewal(), S); // b publishes at 7
        Lease aNext = a.nextRenewal(); // a's compare-and-set to 7 in flight ...
        assertThat(aNext.epoch()).isEqualTo(7);
        a.rivalHeard("b", 7, true, S); // ... when b@7 is heard, b answering
        a.renewed(aNext, S);           // the renewal lands
        assertThat(a.yieldDue()).as("a@7 outranks b@7 by name: no yield").isNull();
        assertThat(b.yieldsTo(aNext)).as("b's next renewal finds a@7 in the map and steps down").isTrue();
    }

    /**
     * Two leaders holding separate maps, each hearing the other's reference after every renewal, and each
     * able to prove the other alive from the second round on (its timebase link formed): one yields in
     * the second round, and from then on one leadership publishes, at one epoch, so a node following the
     * highest epoch never switches back and forth.
     */
    @Test
    void twoLeadersThatHearEachOtherSettleOnOne() {
        SelectorLease a = leading("a", 4);
        SelectorLease b = leading("b", 4);
        java.util.List<String> followed = new java.util.ArrayList<>();
        long followedEpoch = 0;
        for (int round = 0; round < 10; round++) {
            java.util.Map<String, Long> published = new java.util.TreeMap<>();
            for (SelectorLease leader : java.util.List.of(a, b)) {
                if (leader.held() != null && leader.yieldDue() != null) {
                    leader.lost();
                }
                if (leader.held() != null) {
                    Lease next = leader.nextRenewal();
                    leader.renewed(next, round * S);
                    published.put(next.node(), next.epoch());
                }
            }
            boolean linked = round > 0;
            long now = round * S;
            published.forEach((node, epoch) -> (node.equals("a") ? b : a).rivalHeard(node, epoch, linked, now));
            for (var reference : published.entrySet()) {
                if (reference.getValue() > followedEpoch) {
                    followedEpoch = reference.getValue();
                    followed.add(reference.getKey() + "@" + reference.getValue());
                }
            }
        }
        assertThat(java.util.stream.Stream.of(a, b).filter(l -> l.held() != null)).hasSize(1);
        String winner = a.held() != null ? "a@" : "b@";
        assertThat(followed).as("never the other one").allMatch(f -> f.startsWith(winner));
    }

    /** A squatter overwriting or deleting the lease between renewals: no genuine change seen, but the leader heard. */
    @Test
    void aStandbyWaitsWhileTheLeaseHolderPublishesEvenIfItsRenewalsAreOverwritten() {
        assertThat(lease.observe(true, new Lease("a", 4, 10), 100, true, 0)).isEqualTo(Move.WAIT);
        for (long t = S; t <= 10 * S; t += S) {
            lease.leaderPublished(4, t);
            assertThat(lease.observe(t % 2 == 0, null, 0, true, t)).as("squatted at %d s", t / S).isEqualTo(Move.WAIT);
        }
        lease.leaderPublished(3, 11 * S); // a deposed leadership: no sign of the current one
        assertThat(lease.observe(true, null, 0, true, 13 * S)).isEqualTo(Move.TAKE);
    }

    /**
     * An intruder swapping the lease between the last values of two writers, each the newest its writer
     * wrote: after each is read once, no progress; the standby takes over once the timeout passes.
     */
    @Test
    void swappingOldGenuineValuesOfSeveralWritersIsNoProgress() {
        Lease dead = new Lease("a", 4, 90);
        Lease older = new Lease("c", 3, 40);
        for (long t = 0; t < 3 * S; t += S / 2) {
            boolean first = (t / (S / 2)) % 2 == 0;
            assertThat(lease.observe(true, first ? dead : older, first ? 900 : 400, true, t)).isEqualTo(Move.WAIT);
        }
        assertThat(lease.observe(true, dead, 900, true, 3 * S + S / 2)).isEqualTo(Move.TAKE);
        assertThat(lease.candidate().epoch()).isEqualTo(5);
    }

    /** A released value of a leadership older than one seen (put back, or a former leader's stop) is no stop now. */
    @Test
    void anOlderLeadershipsReleasedLeaseIsNotTakenAtOnce() {
        assertThat(lease.observe(true, new Lease("a", 7, 3), 100, true, 0)).isEqualTo(Move.WAIT);
        Lease old = new Lease("c", 5, 9).release(); // an intruder's put-back, or a stale stop of a former leader
        assertThat(lease.observe(true, old, 50, true, S)).as("says nothing of the leader now").isEqualTo(Move.WAIT);
        assertThat(lease.observe(true, old, 50, true, 3 * S)).as("a's timeout, from its last renewal").isEqualTo(Move.TAKE);
    }

    /** A graceful stop writes a released value: a standby takes it at once, but not an old one put back. */
    @Test
    void aFreshReleasedLeaseIsTakenAtOnce() {
        assertThat(lease.observe(true, new Lease("a", 4, 10), 100, true, 0)).isEqualTo(Move.WAIT);
        Lease released = new Lease("a", 4, 10).release();
        assertThat(released.released()).isTrue();
        assertThat(lease.observe(true, released, 101, true, S)).isEqualTo(Move.TAKE);
        assertThat(lease.observe(true, released, 101, true, S + 1)).as("the same one read again").isEqualTo(Move.WAIT);
    }

    /**
     * A standby that restarted knows no counters, so a dead writer's captured values put back in rising
     * order each look like a renewal: they count only while the writer answers our challenges, so the
     * standby takes over one timeout after its first look all the same.
     */
    @Test
    void risingValuesOfAWriterThatDoesNotAnswerAreNoRenewals() {
        for (long t = 0; t < 3 * S; t += S / 2) {
            assertThat(lease.observe(true, new Lease("a", 4, t), 100 + t, false, t)).isEqualTo(Move.WAIT);
        }
        assertThat(lease.observe(true, new Lease("a", 4, 3 * S), 100 + 3 * S, false, 3 * S)).isEqualTo(Move.TAKE);

        SelectorLease answered = new SelectorLease("b", 3 * S, 2 * S);
        for (long t = 0; t <= 6 * S; t += S / 2) {
            assertThat(answered.observe(true, new Lease("a", 4, t), 100 + t, true, t)).as("answering at %d", t)
                    .isEqualTo(Move.WAIT);
        }
    }
}
