package io.timemesh.core.mesh;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Replay protection for one receiver: every sender numbers its messages with a counter that only
 * grows, and a message is fresh only if its counter is above the highest already taken from that
 * sender. Only authenticated messages reach it, so the table holds genuine senders alone; it keeps the
 * {@code capacity} most recently heard. Thread-safe.
 */
public final class Freshness {
    private final Map<String, Long> highest;

    /** @param capacity how many senders to remember (a forgotten sender's old messages could be replayed) */
    public Freshness(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        highest = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * Takes {@code counter} from {@code sender} if it is fresh.
     *
     * @return true when {@code counter} is above every counter taken from {@code sender} before (and is
     *         now the highest); false for a replay or a reordered message
     */
    public synchronized boolean advance(String sender, long counter) {
        Long last = highest.get(sender);
        if (last != null && counter <= last) {
            return false;
        }
        highest.put(sender, counter);
        return true;
    }

    /**
     * Takes {@code counter} from {@code sender} unless it is older than one taken: for stored values,
     * which are read again and again, so the one taken last is still fresh.
     *
     * @return false only when a higher counter was taken from {@code sender} before (a replayed old value)
     */
    public synchronized boolean notBehind(String sender, long counter) {
        Long last = highest.get(sender);
        if (last != null && counter < last) {
            return false;
        }
        highest.put(sender, counter);
        return true;
    }
}
