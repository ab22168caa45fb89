package io.timemesh.sampler;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which of a sampler's sealed poller states are still its word, as its own leases say. A sealed value's
 * counter only grows per writer, and a reader refuses a value older than one it has read from the same
 * writer under the same key; but a reader that has read none (a sampler taking a source over for the
 * first time) could be handed any older genuine value put back by an uninvited member, and continue an
 * old DENY or an old pool address. So every lease names two floors, and a state is continued only if its
 * counter is above the floor its writer's newest lease seen named:
 * <ul>
 *   <li>{@code pollersAfter}: the counter just before the writer's latest stored pollers' states, so of
 *       that map only the latest value (and any newer one) is current;</li>
 *   <li>{@code letGoAfter}: the writer's counter {@value #LET_GO_FRESH_MILLIS} ms ago, so a state left when
 *       letting a source go is current for that long, ample for the next owner, which takes it within a
 *       rebalance or two.</li>
 * </ul>
 * Floors alone do not age: a writer that died, or holds nothing, names no newer ones. So a state is
 * also current only while its writer's leases were seen renewed (a rising seal counter) within its
 * freshness window on this reader's clock: {@value #POLLERS_FRESH_MILLIS} ms for pollers' states (their
 * time-to-live in the map), {@value #LET_GO_FRESH_MILLIS} ms for let-go states. A writer whose leases
 * this reader never saw has no floors: its states are not continued (the source starts afresh, which
 * costs its reach register and backoff, never a wrong time). Floors only rise, so a replayed older
 * lease cannot lower them. Not thread-safe: use from one context.
 */
final class StateFloors {
    /** How long a let-go state stays current (ms), and its time-to-live in the map. */
    static final long LET_GO_FRESH_MILLIS = 30_000;
    /** How long a writer's pollers' states stay current after its last renewal seen (ms), and their time-to-live. */
    static final long POLLERS_FRESH_MILLIS = 60_000;
    /** Lease fields naming the floors. */
    static final String POLLERS_AFTER = "pollersAfter";
    static final String LET_GO_AFTER = "letGoAfter";
    /** Lease field naming the counter of the writer's latest stored pollers' states. */
    static final String POLLERS_LATEST = "pollersLatest";

    /** Whether a sealed state may be continued, and if not, why. */
    enum Verdict {
        /** Its writer's latest (or recent enough), with its writer renewing recently. */
        CURRENT,
        /** At or below the floor its writer's leases named: an older state put back. */
        OLDER_THAN_FLOOR,
        /**
         * At or below the floor, but its writer's latest stored pollers' states (or one it was storing): no replay, only
         * no longer its word (it held nothing since, as after a pause).
         */
        WITHDRAWN,
        /** Its writer's leases were last seen renewed longer ago than the state stays current. */
        WRITER_SILENT,
        /** None of its writer's leases seen (this reader started after the writer stopped). */
        UNKNOWN_WRITER
    }

    /**
     * writer → {pollersAfter, letGoAfter, lease counter, when it last rose (ns), its latest pollers' states' counter},
     * least recently noted first.
     */
    private final Map<String, long[]> floors;

    /** @param capacity how many writers to remember (the least recently noted are forgotten) */
    StateFloors(int capacity) {
        this.floors = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * Notes the floors a genuine lease of {@code writer} names, read at {@code nowNanos} (local timescale);
     * each only rises, and a higher {@code leaseCounter} than any noted is a renewal seen now.
     */
    void note(String writer, long leaseCounter, long pollersAfter, long letGoAfter, long nowNanos) {
        long[] known = floors.computeIfAbsent(writer,
                w -> new long[] {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, nowNanos, Long.MIN_VALUE});
        known[0] = Math.max(known[0], pollersAfter);
        known[1] = Math.max(known[1], letGoAfter);
        if (leaseCounter > known[2]) {
            known[2] = leaseCounter;
            known[3] = nowNanos;
        }
    }

    /**
     * Notes the counter of {@code writer}'s latest stored pollers' states that a genuine lease of it names (it only
     * rises), after {@link #note} for that lease: one state with that counter below the floor is its own last word,
     * withdrawn, not an older one put back.
     */
    void notePollersLatest(String writer, long counter) {
        long[] known = floors.get(writer);
        if (known != null) {
            known[4] = Math.max(known[4], counter);
        }
    }

    /**
     * Whether {@code writer}'s pollers' states sealed with {@code counter} are its latest (or newer), and
     * its leases were renewed within {@value #POLLERS_FRESH_MILLIS} ms of {@code nowNanos}: {@link Verdict#CURRENT}.
     */
    Verdict pollers(String writer, long counter, long nowNanos) {
        return current(writer, 0, counter, nowNanos, POLLERS_FRESH_MILLIS);
    }

    /**
     * Whether a state {@code writer} left with {@code counter} when letting a source go is recent enough: above
     * its let-go floor, and its leases renewed within {@value #LET_GO_FRESH_MILLIS} ms of {@code nowNanos}
     * ({@link Verdict#CURRENT}).
     */
    Verdict letGo(String writer, long counter, long nowNanos) {
        return current(writer, 1, counter, nowNanos, LET_GO_FRESH_MILLIS);
    }

    private Verdict current(String writer, int floor, long counter, long nowNanos, long freshMillis) {
        long[] known = floors.get(writer);
        if (known == null) {
            return Verdict.UNKNOWN_WRITER;
        }
        if (counter <= known[floor]) {
            // From its latest stored pollers' states up: its own, sealed before it held nothing (one still being stored
            // then lands after its lease named the older one); below: an older state put back.
            return floor == 0 && known[4] != Long.MIN_VALUE && counter >= known[4] ? Verdict.WITHDRAWN
                    : Verdict.OLDER_THAN_FLOOR;
        }
        return nowNanos - known[3] < freshMillis * 1_000_000L ? Verdict.CURRENT : Verdict.WRITER_SILENT;
    }

    /**
     * A writer's own counter over time, for the {@code letGoAfter} it names: the counter it had at least
     * {@value #LET_GO_FRESH_MILLIS} ms ago, or 0 while it is younger than that (all its values are recent).
     */
    static final class Trail {
        /** {noted at (ns, local timescale), counter}, oldest first; one entry per rebalance. */
        private final Deque<long[]> noted = new ArrayDeque<>();
        private long floor;

        /**
         * Notes the counter at {@code nowNanos} and returns the floor to name.
         *
         * @return the newest counter noted at least {@value #LET_GO_FRESH_MILLIS} ms before {@code nowNanos}, or 0
         */
        long note(long nowNanos, long counter) {
            noted.addLast(new long[] {nowNanos, counter});
            while (!noted.isEmpty() && nowNanos - noted.peekFirst()[0] >= LET_GO_FRESH_MILLIS * 1_000_000L) {
                floor = noted.pollFirst()[1];
            }
            return floor;
        }
    }
}
