package io.timemesh.core.exchange;

import io.timemesh.core.time.OffsetInterval;

/**
 * What the sampler knows about one source after an exchange: a guaranteed interval and a statistical
 * estimate inside it.
 *
 * @param filtered            the 8-stage clock filter's least-delay view (delay, dispersion, jitter, upstream fields)
 * @param atNanos             the newest exchange's T4 (local timescale): both answers are valid here
 * @param bound               where true time minus local time lies if the server's root delay and dispersion hold:
 *                            the intersection of every exchange's causal interval in the window, carried to
 *                            {@code atNanos}, widened by the server's rootDelay/2 + rootDispersion; never empty
 * @param offsetSeconds       the point estimate at {@code atNanos}, inside {@code bound}: the centre of the window's
 *                            intervals carried at {@code significantFrequency} ± two {@code skew}s (see
 *                            {@code SourceStats})
 * @param offsetErrorSeconds  the regression's standard error of its offset at {@code atNanos}: how well the window pins the
 *                            offset down (0 with fewer than 3 samples)
 * @param frequency           the source's frequency against the local timescale, dimensionless (1e-6 = 1 ppm)
 * @param skew                the standard error of {@code frequency}, dimensionless
 * @param significantFrequency {@code frequency} shrunk towards 0 by one standard error (0 from fewer than 8
 *                            samples): what the bound is carried at, and what may carry the estimate forward
 * @param samples             exchanges in the window (the bound intersects all of them)
 * @param regressionSamples   exchanges the regression used (the runs test may drop the oldest, the delay test
 *                            queued ones)
 * @param event               what this exchange did beyond adding a sample
 * @param reason              why, in words (with the figures), or null with {@link Event#NONE}
 */
public record SourceEstimate(FilteredEstimate filtered, long atNanos, OffsetInterval bound, double offsetSeconds,
                             double offsetErrorSeconds, double frequency, double skew,
                             double significantFrequency, int samples,
                             int regressionSamples, Event event, String reason) {

    /** What an exchange did to its source's window beyond adding a sample. */
    public enum Event {
        NONE,
        /** Its interval missed the previous exchange's: the source stepped (or lies); the window restarted. */
        STEPPED,
        /** Its interval missed the window's intersection only: the source drifted beyond the tolerance; restarted. */
        DRIFTED,
        /** Its delay was far above the least: left out of the estimate, kept in the bound. */
        QUEUED;

        /** Whether the window was restarted with this exchange. */
        public boolean restarted() {
            return this == STEPPED || this == DRIFTED;
        }
    }
}
