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
 * A writer whose leases this reader never saw has no floors: its states are not continued (the source
 * starts afresh, which costs its reach register and backoff, never a wrong time). Floors only rise, so a
 * replayed older lease cannot lower them. Not thread-safe: use from one context.
 */
final class StateFloors {
    /** How long a let-go state stays current (ms). */
    static final long LET_GO_FRESH_MILLIS = 30_000;
    /** Lease fields naming the floors. */
    static final String POLLERS_AFTER = "pollersAfter";
    static final String LET_GO_AFTER = "letGoAfter";

    /** writer → {pollersAfter, letGoAfter}, least recently noted first. */
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

    /** Notes the floors a genuine lease of {@code writer} names; each only rises. */
    void note(String writer, long pollersAfter, long letGoAfter) {
        long[] known = floors.computeIfAbsent(writer, w -> new long[] {Long.MIN_VALUE, Long.MIN_VALUE});
        known[0] = Math.max(known[0], pollersAfter);
        known[1] = Math.max(known[1], letGoAfter);
    }

    /** Whether a lease of {@code writer} naming floors was noted. */
    boolean knows(String writer) {
        return floors.containsKey(writer);
    }

    /** Whether {@code writer}'s pollers' states sealed with {@code counter} are its latest (or newer). */
    boolean pollersCurrent(String writer, long counter) {
        long[] known = floors.get(writer);
        return known != null && counter > known[0];
    }

    /** Whether a state {@code writer} left with {@code counter} when letting a source go is recent enough. */
    boolean letGoCurrent(String writer, long counter) {
        long[] known = floors.get(writer);
        return known != null && counter > known[1];
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
