package io.timemesh.core.mesh;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which writers are still renewing a cluster-map value, judged on this node's clock alone: a writer is
 * live while the counter of its sealed value rose within the last {@code timeoutNanos}. A value that
 * stops changing lapses, whether its writer is gone or an uninvited member keeps putting its last
 * genuine value back (which an entry's time-to-live cannot catch: the intruder chooses it), or deletes
 * it and puts it back. A writer first seen counts as live for one timeout; writers are remembered
 * (the {@code capacity} most recently seen) after their values disappear, so a value that comes back
 * with no higher counter is not live again. Only genuine writers get here, so an outsider cannot
 * flush the table. Not thread-safe: use from one context.
 */
public final class Renewals {
    private final long timeoutNanos;
    /** writer → {highest counter seen, when it was first seen (ns, local timescale)}, least recent first. */
    private final Map<String, long[]> seen;

    /**
     * @param timeoutNanos how long a value may stay unchanged before its writer counts as gone (ns)
     * @param capacity     how many writers to remember
     * @throws IllegalArgumentException for a timeout or capacity below 1
     */
    public Renewals(long timeoutNanos, int capacity) {
        if (timeoutNanos <= 0 || capacity < 1) {
            throw new IllegalArgumentException("timeout and capacity must be positive, were " + timeoutNanos
                    + " ns and " + capacity);
        }
        this.timeoutNanos = timeoutNanos;
        this.seen = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                return size() > capacity;
            }
        };
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

}
