package io.timemesh.discipline;

import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.clock.LeapMode;
import io.timemesh.core.settings.Setting;
import io.vertx.core.json.JsonObject;

/**
 * @param stepThresholdSeconds   corrections larger than this step the clock; smaller ones slew (ntpd: 0.128 s)
 * @param maxSlewRate            fastest slew, dimensionless (500e-6 = 500 ppm, ntpd's limit)
 * @param slewTimeConstantSeconds τ of ρ_new = ρ + offset/τ: a small offset is slewed in over τ
 * @param maxDrift               the most the local timescale's own frequency can be off, dimensionless
 * @param maxFrequency           frequency corrections are clamped to ±this, dimensionless
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
 *                               {@code maxchange}); 0 turns the check off
 * @param leapMode               how served time passes a leap second: step (default; the inserted second reads as
 *                               midnight, held, never backwards) or smear (24 h linear, noon to noon); see {@link LeapMode}
 * @param leapDays               the days a leap second announced by a majority is believed on: june_december (default)
 *                               or any_month_end; see {@link LeapDays}
 */
public record DisciplineSettings(double stepThresholdSeconds, double maxSlewRate, double slewTimeConstantSeconds,
                                 double maxDrift, double maxFrequency, int frequencyWindow,
                                 double minFrequencyBaselineSeconds, double holdoverAfterSeconds,
                                 double maxErrorBoundSeconds, int convergenceUpdates,
                                 double convergenceStepSeconds, double panicThresholdSeconds,
                                 LeapMode leapMode, LeapDays leapDays) {

    /** Settings believing leap seconds on the last day of June or December only. */
    public DisciplineSettings(double stepThresholdSeconds, double maxSlewRate, double slewTimeConstantSeconds,
                              double maxDrift, double maxFrequency, int frequencyWindow,
                              double minFrequencyBaselineSeconds, double holdoverAfterSeconds,
                              double maxErrorBoundSeconds, int convergenceUpdates,
                              double convergenceStepSeconds, double panicThresholdSeconds, LeapMode leapMode) {
        this(stepThresholdSeconds, maxSlewRate, slewTimeConstantSeconds, maxDrift, maxFrequency, frequencyWindow,
                minFrequencyBaselineSeconds, holdoverAfterSeconds, maxErrorBoundSeconds, convergenceUpdates,
                convergenceStepSeconds, panicThresholdSeconds, leapMode, LeapDays.JUNE_DECEMBER);
    }

    public DisciplineSettings {
        positive("stepThresholdSeconds", stepThresholdSeconds);
        positive("maxSlewRatePpm", maxSlewRate);
        positive("slewTimeConstantSeconds", slewTimeConstantSeconds);
        if (!(maxDrift >= 0)) {
            throw new IllegalArgumentException("maxDriftPpm must be >= 0, was " + maxDrift * 1e6);
        }
        positive("maxFrequencyPpm", maxFrequency);
        if (frequencyWindow < 3 || frequencyWindow > 1024) {
            throw new IllegalArgumentException("frequencyWindow must be 3..1024, was " + frequencyWindow);
        }
        positive("minFrequencyBaselineSeconds", minFrequencyBaselineSeconds);
        positive("holdoverAfterSeconds", holdoverAfterSeconds);
        positive("maxErrorBoundSeconds", maxErrorBoundSeconds);
        if (convergenceUpdates < 0) {
            throw new IllegalArgumentException("convergenceUpdates must be >= 0, was " + convergenceUpdates);
        }
        positive("convergenceStepSeconds", convergenceStepSeconds);
        if (!(panicThresholdSeconds >= 0) || Double.isInfinite(panicThresholdSeconds)) {
            throw new IllegalArgumentException("panicThresholdSeconds must be >= 0 (0 = off), was "
                    + panicThresholdSeconds);
        }
        if (leapMode == null) {
            throw new IllegalArgumentException("leapMode must be step or smear, was null");
        }
        if (leapDays == null) {
            throw new IllegalArgumentException("leapDays must be june_december or any_month_end, was null");
        }
    }

    private static void positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(key + " must be a positive number, was " + value);
        }
    }

    public static DisciplineSettings defaults() {
        return new DisciplineSettings(0.128, 500e-6, 1.0, 15e-6, 500e-6, 64, 8.0, 10.0, 1.0, 8, 0.001, 1000.0, LeapMode.STEP);
    }

    /** Largest rate setting, ppm: 10 %, far beyond any real oscillator, and the bound stays finite for centuries. */
    static final double MAX_PPM = 100_000;
    /** Largest time setting, s: about 11.6 days, ample for holdover limits and time constants. */
    static final double MAX_SECONDS = 1_000_000;

    /**
     * Rates are given in ppm in JSON, as people write them.
     *
     * @throws io.timemesh.core.settings.SettingException naming the key, for a value out of its range (which keeps
     *         the bound arithmetic finite) or a fraction where a whole number is meant
     */
    public static DisciplineSettings fromJson(JsonObject json) {
        DisciplineSettings d = defaults();
        return new DisciplineSettings(
                Setting.positive("stepThresholdSeconds", json.getValue("stepThresholdSeconds"), d.stepThresholdSeconds(),
                        MAX_SECONDS),
                Setting.positive("maxSlewRatePpm", json.getValue("maxSlewRatePpm"), d.maxSlewRate() * 1e6, MAX_PPM) * 1e-6,
                Setting.positive("slewTimeConstantSeconds", json.getValue("slewTimeConstantSeconds"),
                        d.slewTimeConstantSeconds(), MAX_SECONDS),
                Setting.number("maxDriftPpm", json.getValue("maxDriftPpm"), d.maxDrift() * 1e6, 0, MAX_PPM) * 1e-6,
                Setting.positive("maxFrequencyPpm", json.getValue("maxFrequencyPpm"), d.maxFrequency() * 1e6, MAX_PPM)
                        * 1e-6,
                Setting.wholeNumber("frequencyWindow", json.getValue("frequencyWindow"), d.frequencyWindow(), 3, 1024),
                Setting.positive("minFrequencyBaselineSeconds", json.getValue("minFrequencyBaselineSeconds"),
                        d.minFrequencyBaselineSeconds(), MAX_SECONDS),
                Setting.positive("holdoverAfterSeconds", json.getValue("holdoverAfterSeconds"), d.holdoverAfterSeconds(),
                        MAX_SECONDS),
                Setting.positive("maxErrorBoundSeconds", json.getValue("maxErrorBoundSeconds"), d.maxErrorBoundSeconds(),
                        MAX_SECONDS),
                Setting.wholeNumber("convergenceUpdates", json.getValue("convergenceUpdates"), d.convergenceUpdates(), 0,
                        1_000_000),
                Setting.positive("convergenceStepSeconds", json.getValue("convergenceStepSeconds"),
                        d.convergenceStepSeconds(), MAX_SECONDS),
                // 1e10 s is over three centuries: anything larger is the same as off (0).
                Setting.number("panicThresholdSeconds", json.getValue("panicThresholdSeconds"), d.panicThresholdSeconds(),
                        0, 1e10),
                Setting.oneOf("leapMode", json.getValue("leapMode"), d.leapMode(), LeapMode.class),
                Setting.oneOf("leapDays", json.getValue("leapDays"), d.leapDays(), LeapDays.class));
    }
}
