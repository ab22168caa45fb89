package io.timemesh.core.clock;

/**
 * References the discipline refused because taking them would have moved the clock by more than the
 * panic threshold (ntpd's panic threshold of 1000 s, chrony's {@code maxchange}): after the first
 * synchronisation such a jump is far likelier a fault upstream than a true change of time, so the clock
 * holds instead and says so.
 *
 * @param count             how many references were refused since the discipline started
 * @param lastOffsetSeconds the correction the last refused reference asked for: true time by it minus V, s
 * @param lastLocalNanos    when it was refused, on the node's local timescale (ns)
 * @param lastSystemPeer    that reference's system peer, or null
 * @param thresholdSeconds  the panic threshold in force, s
 */
public record PanicRefusals(long count, double lastOffsetSeconds, long lastLocalNanos, String lastSystemPeer,
                            double thresholdSeconds) {

    /** These refusals and one more, of a reference asking for {@code offsetSeconds} at {@code localNanos}. */
    public static PanicRefusals after(PanicRefusals previous, double offsetSeconds, long localNanos, String systemPeer,
                                      double thresholdSeconds) {
        return new PanicRefusals(previous == null ? 1 : previous.count() + 1, offsetSeconds, localNanos, systemPeer,
                thresholdSeconds);
    }
}
