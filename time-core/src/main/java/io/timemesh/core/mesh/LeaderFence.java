package io.timemesh.core.mesh;

/**
 * Which selector a node follows. Every leadership has an epoch that only grows (a fencing token):
 * a reference is applied only from the leader of the highest epoch seen, so a deposed selector that
 * wakes from a stall, or a second one during a split, is never interleaved with the current one, and
 * the (epoch, sequence) of the references a node applies never goes back.
 *
 * <p>There is no escape by time: a node never follows a lower epoch again. Liveness after a healed
 * split whose winning side had the lower epoch comes from the selector instead: a node that refuses a
 * reference says which leadership it follows ({@code EventBusAddresses.FENCE}), and the lease holder
 * then moves to an epoch above it (see {@code SelectorLease}).
 */
public final class LeaderFence {
    /** What became of one reference. */
    public enum Verdict {
        /** From the leader followed (or a newer one, now followed): apply it. */
        FOLLOWED,
        /** From a leadership older than the one followed: drop it. */
        STALE_EPOCH,
        /** From another selector claiming the epoch followed: drop it. */
        EPOCH_CONFLICT
    }

    private long epoch = Long.MIN_VALUE;
    private String leader;

    /** Judges a reference from {@code node} under {@code referenceEpoch}, and follows it when it is {@link Verdict#FOLLOWED}. */
    public synchronized Verdict admit(long referenceEpoch, String node) {
        Verdict verdict;
        if (leader == null || referenceEpoch > epoch) {
            verdict = Verdict.FOLLOWED;
        } else if (referenceEpoch < epoch) {
            verdict = Verdict.STALE_EPOCH;
        } else {
            verdict = node.equals(leader) ? Verdict.FOLLOWED : Verdict.EPOCH_CONFLICT;
        }
        if (verdict == Verdict.FOLLOWED) {
            epoch = referenceEpoch;
            leader = node;
        }
        return verdict;
    }

    /** The epoch followed, or {@link Long#MIN_VALUE} before the first reference. */
    public synchronized long epoch() {
        return epoch;
    }

    /** The leader followed, or null before the first reference. */
    public synchronized String leader() {
        return leader;
    }
}
