package io.timemesh.selector;

import java.util.HashMap;
import java.util.Map;

/**
 * The rules of the selector's leadership, free of I/O. The leader holds a lease: a sealed cluster-map
 * value {@code {node, epoch, renewal}} that it rewrites by compare-and-set every tick. A standby takes
 * the lease over only once it has watched the genuine value stay unchanged for {@code timeoutNanos} on
 * its own clock, and the leader publishes only while its last renewal began less than
 * {@code publishWithinNanos} ago on its clock, which is shorter: so a leader that stalls (a GC pause,
 * SIGSTOP, a partition) has stopped publishing before anyone can replace it, and finds out it was
 * deposed at its next renewal, before it publishes anything. Each new leadership takes an epoch above
 * every epoch seen, the fencing token the disciplines follow. A leader that hears of another selector
 * leading (its reference, or a node's word that it follows it; two sides of a healed split) yields if
 * that leadership ranks higher and its selector answers our challenges, and otherwise, at its own epoch
 * or above, moves to a higher one at its next renewal, which only the lease holder can make. So the
 * disciplines never need to follow a lower epoch again, and two leaders settle without the cluster map.
 *
 * <p>Nothing here trusts the clock of another node, and no lock: Hazelcast's locks cannot fence, and an
 * uninvited member could take one and hold it forever. A value that is not genuinely sealed (a
 * squatter's) is overwritten by the leader at once, and by a standby once no genuine renewal has been
 * seen for the timeout. Not thread-safe: use from the selector's context.
 */
final class SelectorLease {
    /**
     * One lease value: who leads, under which epoch, how many times it was renewed, and whether its holder
     * let it go (a graceful stop writes that rather than deleting the entry, so a deletion is no signal).
     */
    record Lease(String node, long epoch, long renewal, boolean released) {
        Lease(String node, long epoch, long renewal) {
            this(node, epoch, renewal, false);
        }

        /** The same leadership, let go. */
        Lease release() {
            return new Lease(node, epoch, renewal + 1, true);
        }
    }

    /** What a standby does about the lease it sees. */
    enum Move {
        /** Someone leads (or may still): keep watching. */
        WAIT,
        /** Nobody leads: try to take the lease. */
        TAKE
    }

    private static final long NEVER = Long.MIN_VALUE;

    private final String self;
    private final long timeoutNanos;
    private final long publishWithinNanos;
    /** The highest seal counter read from each writer of the lease (selectors: a handful). */
    private final Map<String, Long> counters = new HashMap<>();
    private long lastChangeNanos = NEVER;
    private long highestEpoch;
    private Lease held;
    private long renewalStartedNanos = NEVER;
    private boolean bumpWanted;
    /** A higher leadership heard, whose selector answers us: yielded to at the next tick. */
    private Lease rival;
    /** When a rival that does not answer last moved us to a higher epoch (ns, local timescale). */
    private long unprovenMoveNanos = NEVER;
    /** How many lease timeouts apart a rival that does not answer may move us to a higher epoch. */
    static final int UNPROVEN_MOVE_TIMEOUTS = 10;

    /**
     * @param self               this selector's node
     * @param timeoutNanos       how long a genuine lease must stay unchanged before a standby takes it over
     * @param publishWithinNanos the leader publishes only this soon after a renewal began; below the timeout
     */
    SelectorLease(String self, long timeoutNanos, long publishWithinNanos) {
        if (publishWithinNanos >= timeoutNanos) {
            throw new IllegalArgumentException("a leader must stop publishing before it can be replaced");
        }
        this.self = self;
        this.timeoutNanos = timeoutNanos;
        this.publishWithinNanos = publishWithinNanos;
    }

    /**
     * A standby's view of the map at {@code nowNanos}. Only a genuine value whose seal counter is above
     * every one read from its writer counts as a renewal: an intruder swapping old genuine values of
     * several writers, each the newest its writer wrote, shows no progress. A renewal counts only while its
     * writer also answers this node's own challenges (sealed timebase probes with fresh nonces): a reader
     * that restarted, and so knows no counters, could otherwise be fed a dead writer's captured values in
     * rising order, each looking like a renewal, for as long as the stock lasts. A released value, fresh,
     * is taken at once (its writer has stopped, so it cannot answer), unless its leadership is older than one already
     * seen: that release says nothing of the leader now. An absent value is taken at once
     * only by a selector that has never read a genuine lease (a new cluster); otherwise it is a deletion,
     * as a squatter's value is, and the holder gets the timeout to write again.
     *
     * @param present        whether the map holds any lease value
     * @param genuine        the value if it is genuinely sealed (and not older than one read), else null
     * @param counter        the genuine value's seal counter (ignored without one)
     * @param writerAnswers  whether the genuine value's writer answers this node's challenges (see
     *                       {@code TimebaseLinks#answeringWithin}; ignored without a genuine value)
     */
    Move observe(boolean present, Lease genuine, long counter, boolean writerAnswers, long nowNanos) {
        if (genuine != null) {
            long highestBefore = highestEpoch;
            highestEpoch = Math.max(highestEpoch, genuine.epoch());
            Long before = counters.get(genuine.node());
            if (before == null || counter > before) {
                counters.put(genuine.node(), counter);
                if (genuine.released()) {
                    if (genuine.epoch() >= highestBefore) {
                        lastChangeNanos = nowNanos;
                        return Move.TAKE;
                    }
                } else if (writerAnswers) {
                    lastChangeNanos = nowNanos;
                }
            }
        } else if (!present && counters.isEmpty()) {
            return Move.TAKE;
        }
        if (lastChangeNanos == NEVER) {
            lastChangeNanos = nowNanos; // a squatter's value, a deletion or an unproven writer: give a leader the timeout
        }
        return nowNanos - lastChangeNanos >= timeoutNanos ? Move.TAKE : Move.WAIT;
    }

    /**
     * A genuine, fresh reference under {@code epoch}, heard at {@code nowNanos}: from the newest
     * leadership known, it shows a leader alive and leading, which counts as a renewal seen. So a
     * squatter that keeps overwriting or deleting the lease (with junk or old genuine values) between the
     * leader's renewals does not make a standby take over from a leader that goes on publishing.
     */
    void leaderPublished(long epoch, long nowNanos) {
        if (epoch >= highestEpoch && lastChangeNanos != NEVER) {
            lastChangeNanos = Math.max(lastChangeNanos, nowNanos);
        }
    }

    /** The lease this selector asks for when it takes over: an epoch above every one seen. */
    Lease candidate() {
        return new Lease(self, highestEpoch + 1, 0);
    }

    /** The map now holds {@code lease}, written by a compare-and-set begun at {@code startedNanos}. */
    void held(Lease lease, long startedNanos) {
        held = lease;
        renewalStartedNanos = startedNanos;
        highestEpoch = Math.max(highestEpoch, lease.epoch());
    }

    /** The value of the next renewal: one more renewal, at a higher epoch if another selector claimed ours. */
    Lease nextRenewal() {
        return new Lease(self, bumpWanted ? highestEpoch + 1 : held.epoch(), held.renewal() + 1);
    }

    /**
     * Another selector's genuine reference, or a node's word that it follows {@code node}'s leadership at
     * {@code epoch}: the epoch is seen, and at our epoch or above, led by another, it is a rival.
     */
    void sawReference(String node, long epoch) {
        highestEpoch = Math.max(highestEpoch, epoch);
        if (held != null && !self.equals(node) && epoch >= held.epoch()) {
            bumpWanted = true;
        }
    }

    /**
     * A rival leadership heard of while leading, at {@code nowNanos}: a genuine reference of {@code node}
     * under {@code epoch}, or a node's word that it follows that leadership. If it outranks ours (see
     * {@link #yieldsTo}) and {@code rivalAnswers} (it answers this node's own challenges, so it is alive,
     * not a dead selector's replayed reference), the leader yields at its next tick ({@link #yieldDue}), not
     * at once: a renewal in flight could still land a value that outranks the rival. Otherwise a rival at
     * our epoch or above makes us move higher at the next renewal, so that nodes following it come to us;
     * for a rival that does not answer, at most once per {@value #UNPROVEN_MOVE_TIMEOUTS} lease timeouts. So
     * two leaders that hear each other but hold separate maps (two sides of a split, before Hazelcast
     * merges them) settle at once, the lower one yielding, and if an intruder diverts their probes, they
     * trade places at most that often instead of at every renewal. The one that yields, now a standby,
     * waits while the other publishes ({@link #leaderPublished}).
     */
    void rivalHeard(String node, long epoch, boolean rivalAnswers, long nowNanos) {
        highestEpoch = Math.max(highestEpoch, epoch);
        if (held == null || self.equals(node)) {
            return;
        }
        Lease other = new Lease(node, epoch, 0);
        if (rivalAnswers && yieldsTo(other)) {
            if (rival == null || other.epoch() > rival.epoch()
                    || (other.epoch() == rival.epoch() && other.node().compareTo(rival.node()) < 0)) {
                rival = other;
            }
        } else if (epoch >= held.epoch() && (rivalAnswers || unprovenMoveNanos == NEVER
                || nowNanos - unprovenMoveNanos >= UNPROVEN_MOVE_TIMEOUTS * timeoutNanos)) {
            bumpWanted = true;
            if (!rivalAnswers) {
                unprovenMoveNanos = nowNanos;
            }
        }
    }

    /**
     * The rival to yield to now, at a tick with no renewal in flight, if one heard since the last tick
     * still outranks the lease we hold (a renewal may have moved us above it meanwhile); else null. Clears it.
     */
    Lease yieldDue() {
        Lease due = rival;
        rival = null;
        return due != null && held != null && yieldsTo(due) ? due : null;
    }

    /**
     * Whether the leader steps down for {@code other}, a genuine lease of another selector found in the
     * map: only for a higher leadership (or the same epoch led by a node whose name sorts first), so one
     * order decides between two selectors after a healed split, and an old lease put back deposes nobody.
     */
    boolean yieldsTo(Lease other) {
        return held == null || other.epoch() > held.epoch()
                || (other.epoch() == held.epoch() && other.node().compareTo(self) < 0);
    }

    /**
     * Renewed to {@code lease} by a compare-and-set begun at {@code startedNanos}: clears a wanted epoch move once made.
     * A renewal that completes after a newer one (its compare-and-set outlived its tick) only counts as begun then:
     * the lease held never goes back to a lower epoch or renewal.
     */
    void renewed(Lease lease, long startedNanos) {
        renewalStartedNanos = Math.max(renewalStartedNanos, startedNanos);
        if (lease.epoch() < held.epoch() || (lease.epoch() == held.epoch() && lease.renewal() < held.renewal())) {
            return;
        }
        if (lease.epoch() > held.epoch()) {
            bumpWanted = false;
        }
        held = lease;
        highestEpoch = Math.max(highestEpoch, lease.epoch());
    }

    /** Leadership ended: back to watching, from scratch. */
    void lost() {
        held = null;
        bumpWanted = false;
        rival = null;
        lastChangeNanos = NEVER;
        renewalStartedNanos = NEVER;
    }

    /** The lease held, or null. */
    Lease held() {
        return held;
    }

    /** Whether a reference may go out at {@code nowNanos}: leading, and the last renewal began recently enough. */
    boolean mayPublish(long nowNanos) {
        return held != null && nowNanos - renewalStartedNanos < publishWithinNanos;
    }
}
