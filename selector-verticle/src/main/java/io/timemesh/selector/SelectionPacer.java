package io.timemesh.selector;

/**
 * Paces selections under a stream of samples: at once when the last one was at least the interval
 * ago, otherwise once at the end of the interval for everything that arrived meanwhile. A thousand
 * sources polled each second then cost one selection per interval rather than a thousand, each of
 * which sorts every interval and publishes a reference naming every survivor.
 */
final class SelectionPacer {
    /** What to do about a change: select now, select after a wait, or nothing (a selection is already due). */
    static final long ALREADY_DUE = -1;

    private static final long MIN_INTERVAL_NANOS = 50_000_000L;
    private static final long INTERVAL_PER_SOURCE_NANOS = 1_000_000L;
    private static final long MAX_INTERVAL_NANOS = 1_000_000_000L;

    private final long intervalNanos;
    private long lastNanos;
    private boolean due;
    private boolean selectedBefore;

    SelectionPacer(long intervalNanos) {
        if (intervalNanos < 0) {
            throw new IllegalArgumentException("interval must not be negative, was " + intervalNanos);
        }
        this.intervalNanos = intervalNanos;
    }

    /**
     * The interval for {@code sources} sources: a millisecond each, from 50 ms to a second. A
     * selection and the state stored before its reference goes out both grow with the sources, so
     * their rate shrinks with them (at a thousand sources, one a second, whose store and selection then
     * cost about 3 % of a core); waiting costs only the bound's growth over the wait (15 µs at most).
     */
    static long intervalFor(int sources) {
        return Math.max(MIN_INTERVAL_NANOS, Math.min(MAX_INTERVAL_NANOS, sources * INTERVAL_PER_SOURCE_NANOS));
    }

    /** Nanoseconds to wait before selecting for a change seen at {@code nowNanos}: 0 for now, or {@link #ALREADY_DUE}. */
    long onChange(long nowNanos) {
        if (due) {
            return ALREADY_DUE;
        }
        long wait = selectedBefore ? lastNanos + intervalNanos - nowNanos : 0;
        if (wait <= 0) {
            return 0;
        }
        due = true;
        return wait;
    }

    /** Whether the selection a change was told to wait for is still to run: none has covered it meanwhile. */
    boolean due() {
        return due;
    }

    /**
     * Whether the periodic reselection (every {@code periodNanos}, so that ageing and staleness show without new
     * samples) should select at {@code nowNanos}: not when one is due, nor when one ran less than half a period
     * ago. Samples arriving keep selections going by themselves; selecting on both clocks had doubled them.
     * Half a period, as a timer's own jitter would otherwise skip every other tick.
     */
    boolean reselectDue(long nowNanos, long periodNanos) {
        return !due && (!selectedBefore || nowNanos - lastNanos >= periodNanos / 2);
    }

    /** A selection ran at {@code nowNanos}, covering every change seen so far. */
    void selected(long nowNanos) {
        lastNanos = nowNanos;
        selectedBefore = true;
        due = false;
    }
}
