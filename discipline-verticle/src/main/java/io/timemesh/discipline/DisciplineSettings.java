package io.timemesh.discipline;

import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.clock.LeapMode;
import io.timemesh.core.settings.Real;
import io.timemesh.core.settings.Whole;

/**
 * The discipline's settings, the config section {@code "discipline"}: each component is one key, its range and
 * its default ({@link #DEFAULTS}), bound and checked by {@link io.timemesh.core.settings.Settings}. Rates are in
 * ppm, as people write them; {@link #maxSlewRate()}, {@link #maxDrift()} and {@link #maxFrequency()} give them
 * dimensionless. The ranges keep the bound arithmetic finite: rates up to 10 % (far beyond any real oscillator),
 * times up to about 11.6 days.
 *
 * @param stepThresholdSeconds   corrections larger than this step the clock; smaller ones slew (ntpd: 0.128 s)
 * @param maxSlewRatePpm         fastest slew, ppm (ntpd's limit: 500)
 * @param slewTimeConstantSeconds τ of ρ_new = ρ + offset/τ: a small offset is slewed in over τ
 * @param maxDriftPpm            the most the local timescale's own frequency can be off, ppm
 * @param maxFrequencyPpm        frequency corrections are clamped to ±this, ppm
 * @param frequencyWindow        how many references the frequency regression uses
 * @param minFrequencyBaselineSeconds no frequency correction until the references span this long
 * @param holdoverAfterSeconds   without a majority reference this long, SYNCHRONIZED becomes HOLDOVER
 * @param maxErrorBoundSeconds   a bound beyond this is UNSYNCHRONIZED
 * @param convergenceUpdates     during this many first updates (on new samples), any correction above
 *                               {@code convergenceStepSeconds} steps, like chrony's makestep: before the
 *                               sources' filters have filled, errors are large and nobody relies on our time yet
 * @param convergenceStepSeconds see {@code convergenceUpdates}
 * @param panicThresholdSeconds  after the first synchronisation, a reference that would move the clock by more
 *                               than this is refused and the clock holds (ntpd's panic threshold, 1000 s; chrony's
 *                               {@code maxchange}); 0 turns the check off; up to 1e10 s (three centuries: beyond,
 *                               it is the same as off)
 * @param leapMode               how served time passes a leap second: step (default; the inserted second reads as
 *                               midnight, held, never backwards) or smear (24 h linear, noon to noon); see {@link LeapMode}
 * @param leapDays               the days a leap second announced by a majority is believed on: june_december (default)
 *                               or any_month_end; see {@link LeapDays}
 */
public record DisciplineSettings(@Real(positive = true, max = MAX_SECONDS) double stepThresholdSeconds,
                                 @Real(positive = true, max = MAX_PPM) double maxSlewRatePpm,
                                 @Real(positive = true, max = MAX_SECONDS) double slewTimeConstantSeconds,
                                 @Real(max = MAX_PPM) double maxDriftPpm,
                                 @Real(positive = true, max = MAX_PPM) double maxFrequencyPpm,
                                 @Whole(min = 3, max = 1024) int frequencyWindow,
                                 @Real(positive = true, max = MAX_SECONDS) double minFrequencyBaselineSeconds,
                                 @Real(positive = true, max = MAX_SECONDS) double holdoverAfterSeconds,
                                 @Real(positive = true, max = MAX_SECONDS) double maxErrorBoundSeconds,
                                 @Whole(min = 0, max = 1_000_000) int convergenceUpdates,
                                 @Real(positive = true, max = MAX_SECONDS) double convergenceStepSeconds,
                                 @Real(max = 1e10) double panicThresholdSeconds,
                                 LeapMode leapMode, LeapDays leapDays) {

    /** Largest rate setting, ppm. */
    static final double MAX_PPM = 100_000;
    /** Largest time setting, s. */
    static final double MAX_SECONDS = 1_000_000;

    /** ntpd's step threshold and slew limit, 15 ppm of drift, chrony-like convergence, ntpd's panic threshold. */
    public static final DisciplineSettings DEFAULTS = new DisciplineSettings(0.128, 500, 1.0, 15, 500, 64, 8.0, 10.0,
            1.0, 8, 0.001, 1000.0, LeapMode.STEP, LeapDays.JUNE_DECEMBER);

    /** {@link #maxSlewRatePpm} dimensionless (5e-4 = 500 ppm). */
    public double maxSlewRate() {
        return maxSlewRatePpm / 1e6;
    }

    /** {@link #maxDriftPpm} dimensionless (1.5e-5 = 15 ppm). */
    public double maxDrift() {
        return maxDriftPpm / 1e6;
    }

    /** {@link #maxFrequencyPpm} dimensionless. */
    public double maxFrequency() {
        return maxFrequencyPpm / 1e6;
    }
}
