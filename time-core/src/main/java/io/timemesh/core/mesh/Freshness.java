package io.timemesh.core.mesh;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Replay protection for one receiver: every sender numbers its messages with a counter that only
 * grows, and a message is fresh only if its counter was never taken from that sender and is not too
 * far behind the highest taken. With a window of 1, only counters above the highest are fresh; a wider
 * window also takes, once each, counters up to {@code window − 1} behind the highest that were not
 * taken yet: the sliding anti-replay window of RFC 4303 §3.4.3, for senders whose messages may be
 * reordered (several verticles of one node sealing concurrently). Only authenticated messages reach
 * it, so the table holds genuine senders alone; it keeps the {@code capacity} most recently heard.
 * Thread-safe.
 */
public final class Freshness {
    private static final int MAX_WINDOW = 64;
    private final int window;
    /** sender → {highest counter taken, bitmap of counters taken: bit i = highest − i}. */
    private final Map<String, long[]> taken;

    /** A strict receiver (window 1). @see #Freshness(int, int) */
    public Freshness(int capacity) {
        this(capacity, 1);
    }

    /**
     * @param capacity how many senders to remember (a forgotten sender's old messages could be replayed)
     * @param window   how many counters, the highest included, are tracked: 1 (in order only) to 64
     * @throws IllegalArgumentException for a capacity below 1 or a window outside 1–64
     */
    public Freshness(int capacity, int window) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        if (window < 1 || window > MAX_WINDOW) {
            throw new IllegalArgumentException("window must be 1 to " + MAX_WINDOW + ", was " + window);
        }
        this.window = window;
        taken = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * Takes {@code counter} from {@code sender} if it is fresh.
     *
     * @return true when {@code counter} is above every counter taken from {@code sender}, or within the
     *         window behind the highest and not taken before; false for a replay or one too old
     */
    public synchronized boolean advance(String sender, long counter) {
        long[] w = taken.get(sender);
        if (w == null) {
            taken.put(sender, new long[] {counter, 1L});
            return true;
        }
        if (counter > w[0]) {
            long shift = counter - w[0];
            w[1] = shift >= MAX_WINDOW ? 1L : (w[1] << shift) | 1L;
            w[0] = counter;
            return true;
        }
        long behind = w[0] - counter;
        if (behind >= window || (w[1] & (1L << behind)) != 0) {
            return false;
        }
        w[1] |= 1L << behind;
        return true;
    }

    /**
     * Takes {@code counter} from {@code sender} unless it is older than one taken: for stored values,
     * which are read again and again, so the one taken last is still fresh.
     *
     * @return false only when a higher counter was taken from {@code sender} before (a replayed old value)
     */
    public synchronized boolean notBehind(String sender, long counter) {
        long[] w = taken.get(sender);
        if (w != null && counter < w[0]) {
            return false;
        }
        taken.put(sender, new long[] {counter, 1L});
        return true;
    }
}
