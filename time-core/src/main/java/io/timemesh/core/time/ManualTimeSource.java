package io.timemesh.core.time;

import java.util.concurrent.atomic.AtomicLong;

/** A time source that moves only when told: drives the algorithms deterministically in tests and replays. */
public final class ManualTimeSource implements TimeSource {
    private final AtomicLong now;

    public ManualTimeSource(long startNanos) {
        this.now = new AtomicLong(startNanos);
    }

    @Override
    public long nowNanos() {
        return now.get();
    }

    public void advanceNanos(long nanos) {
        now.addAndGet(nanos);
    }

    public void setNanos(long nanos) {
        now.set(nanos);
    }
}
