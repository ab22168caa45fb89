package io.timemesh.core.mesh;

/**
 * Which selector a node follows. Every leadership has an epoch that only grows (a fencing token):
 * a reference is applied only from the leader of the highest epoch seen, so a deposed selector that
 * wakes from a stall, or a second one during a split, is never interleaved with the current one.
 *
 * <p>One escape keeps the cluster live after a split heals with the lower epoch's side winning the
 * leadership: once the followed leader has been silent for {@code silenceNanos}, the next
 * authenticated reference is followed whatever its epoch. A silent leader publishes nothing to
 * interleave with, so this costs no consistency.
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

    private final long silenceNanos;
    private long epoch = Long.MIN_VALUE;
    private String leader;
    private long lastFollowedNanos;

    /** @param silenceNanos how long the followed leader may be silent before any authenticated leader is followed */
    public LeaderFence(long silenceNanos) {
        this.silenceNanos = silenceNanos;
    }

    /**
     * Judges a reference from {@code node} under {@code referenceEpoch}, received at {@code nowNanos}
     * (local timescale), and follows it when it is {@link Verdict#FOLLOWED}.
     */
    public synchronized Verdict admit(long referenceEpoch, String node, long nowNanos) {
        boolean silent = leader != null && nowNanos - lastFollowedNanos > silenceNanos;
        Verdict verdict;
        if (leader == null || referenceEpoch > epoch || silent) {
            verdict = Verdict.FOLLOWED;
        } else if (referenceEpoch < epoch) {
            verdict = Verdict.STALE_EPOCH;
        } else {
            verdict = node.equals(leader) ? Verdict.FOLLOWED : Verdict.EPOCH_CONFLICT;
        }
        if (verdict == Verdict.FOLLOWED) {
            epoch = referenceEpoch;
            leader = node;
            lastFollowedNanos = nowNanos;
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
