package io.timemesh.core.mesh;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which writers are still renewing a cluster-map value, judged on this node's clock alone: a writer is
 * live while the counter of its sealed value rose within the last {@code timeoutNanos}. A value that
 * stops changing lapses, whether its writer is gone or an uninvited member keeps putting its last
 * genuine value back (which an entry's time-to-live cannot catch: the intruder chooses it). A writer
 * first seen counts as live for one timeout. Not thread-safe: use from one context.
 */
public final class Renewals {
    private final long timeoutNanos;
    /** writer → {highest counter seen, when it was first seen (ns, local timescale)}. */
    private final Map<String, long[]> seen = new HashMap<>();

    /** @param timeoutNanos how long a value may stay unchanged before its writer counts as gone (ns) */
    public Renewals(long timeoutNanos) {
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeoutNanos + " ns");
        }
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Notes {@code writer}'s value with {@code counter}, read at {@code nowNanos}.
     *
     * @return whether the writer is live: its counter rose less than the timeout ago
     */
    public boolean live(String writer, long counter, long nowNanos) {
        long[] last = seen.get(writer);
        if (last == null || counter > last[0]) {
            seen.put(writer, new long[] {counter, nowNanos});
            return true;
        }
        return nowNanos - last[1] < timeoutNanos;
    }

    /** Forgets every writer but {@code present} (those whose values the map still holds), to bound memory. */
    public void retain(Set<String> present) {
        seen.keySet().retainAll(present);
    }
}
