package io.timemesh.core.time;

/** A node's reading of time, in nanoseconds since the Unix epoch. Algorithms take one so tests can fake it. */
@FunctionalInterface
public interface TimeSource {
    long nowNanos();
}
