package io.timemesh.discipline;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.PanicRefusals;
import io.timemesh.core.message.Reference;
import io.timemesh.core.ntp.NtpConstants;

/**
 * Disciplines a virtual clock over the local monotonic timescale to the selector's references.
 *
 * <p>The first reference, and any correction larger than the step threshold, steps the clock; a
 * smaller correction is slewed in at ρ_new = ρ + offset/τ (seed 001), τ stretched so the slew never
 * exceeds the maximum rate. While converging (the first few updates on new samples) corrections
 * above a small threshold step too, as chrony's makestep does. The frequency ρ comes from {@link FrequencyEstimator}'s regression.
 * Each update re-anchors the model at "now" with no jump unless it steps, so served time stays
 * continuous. A backward step is left to {@link io.timemesh.core.clock.MonotonicReader}, which holds
 * time still and widens the bound instead of letting it run back.
 *
 * <p>After the first synchronisation, a reference that would move the clock by more than the panic
 * threshold is refused (ntpd's panic threshold, chrony's {@code maxchange}): the clock holds as without a
 * majority, its bound grows, and the refusal is recorded in the model for /status, metrics and the log.
 */
public final class VirtualClock {
    private final DisciplineSettings settings;
    private final FrequencyEstimator frequency;
    private ClockModel model;
    private long lastBasisNanos = Long.MIN_VALUE;
    private String lastBasisSelector;
    private int informativeUpdates;
    /** Tolerance for the sums and differences of seconds that describe the same interval two ways. */
    private static final double ROUNDING_SECONDS = 1e-12;

    public VirtualClock(DisciplineSettings settings) {
        this.settings = settings;
        this.frequency = new FrequencyEstimator(settings.frequencyWindow(), settings.minFrequencyBaselineSeconds(),
                settings.maxFrequency());
        this.model = ClockModel.unsynchronized(settings.maxDrift(), holdoverAfterNanos(),
                settings.maxErrorBoundSeconds());
    }

    public ClockModel model() {
        return model;
    }

    /**
     * Applies a reference.
     *
     * @param referenceLocalNanos when the reference was valid, on this node's local timescale
     * @param nowLocalNanos       now, on this node's local timescale
     */
    public ClockModel update(Reference reference, long referenceLocalNanos, long nowLocalNanos) {
        if (!reference.usable()) {
            model = held(reference, model.panic());
            return model;
        }
        double panicOffset = panicOffset(reference, referenceLocalNanos, nowLocalNanos);
        if (!Double.isNaN(panicOffset)) {
            model = held(reference, PanicRefusals.after(model.panic(), panicOffset, nowLocalNanos,
                    reference.systemPeer(), settings.panicThresholdSeconds()));
            return model;
        }
        if (!reference.selectorNode().equals(lastBasisSelector)) {
            lastBasisSelector = reference.selectorNode(); // another selector's basis is on another clock
            lastBasisNanos = Long.MIN_VALUE;
        }
        if (reference.basisNanos() > lastBasisNanos) { // only new samples say anything new about the slope
            lastBasisNanos = reference.basisNanos();
            informativeUpdates++;
            frequency.add(referenceLocalNanos, reference.offsetSeconds());
        }
        double f = frequency.frequency();
        long correctionNow = model.correctionNanos(nowLocalNanos);
        // True time minus local time, carried from when the reference was valid to now.
        double trueOffsetNow = reference.offsetSeconds() + f * (nowLocalNanos - referenceLocalNanos) / 1e9;
        double error = trueOffsetNow - correctionNow / 1e9;
        boolean converging = informativeUpdates <= settings.convergenceUpdates();
        boolean step = !model.referenced() || Math.abs(error) > settings.stepThresholdSeconds()
                || (converging && Math.abs(error) > settings.convergenceStepSeconds());
        long correctionAtAnchor = step ? correctionNow + Math.round(error * 1e9) : correctionNow;
        double residual = step ? 0 : error;
        double slewRate = step ? 0 : Math.min(settings.maxSlewRate(), Math.abs(error) / settings.slewTimeConstantSeconds());
        model = new ClockModel(true, nowLocalNanos, correctionAtAnchor, f, residual, slewRate, referenceLocalNanos,
                reference.rootDelaySeconds(), reference.rootDispersionSeconds(), settings.maxDrift(), true,
                holdoverAfterNanos(), settings.maxErrorBoundSeconds(),
                Math.min(NtpConstants.MAXSTRAT, reference.stratum() + 1), // the system peer's + 1; 16 = unsynchronised
                reference.leap(), reference.selectorNode(), reference.systemPeer(), reference.sequence(),
                model.updates() + 1, error, step, frequency.skew(), center(reference), model.panic(),
                reference.systemPeerAddress());
        return model;
    }

    /**
     * The correction a reference asks for when it exceeds the panic threshold and must be refused, else
     * NaN: never before the first synchronisation (the first reference is always taken, as with ntpd -g)
     * nor with the threshold 0 (off).
     */
    private double panicOffset(Reference reference, long referenceLocalNanos, long nowLocalNanos) {
        double threshold = settings.panicThresholdSeconds();
        if (!model.referenced() || threshold == 0) {
            return Double.NaN;
        }
        double trueOffsetNow = reference.offsetSeconds()
                + frequency.frequency() * (nowLocalNanos - referenceLocalNanos) / 1e9;
        double error = trueOffsetNow - model.correctionNanos(nowLocalNanos) / 1e9;
        return Math.abs(error) > threshold ? error : Double.NaN;
    }

    /**
     * The middle of the reference's interval less its offset, when the interval is the one its root
     * delay and dispersion describe (as the selector builds it); otherwise 0, the symmetric bound.
     */
    private static double center(Reference r) {
        double rootDistance = r.rootDelaySeconds() / 2 + r.rootDispersionSeconds();
        boolean described = r.lowSeconds() <= r.offsetSeconds() && r.offsetSeconds() <= r.highSeconds()
                && Math.max(r.offsetSeconds() - r.lowSeconds(), r.highSeconds() - r.offsetSeconds())
                <= rootDistance + ROUNDING_SECONDS;
        return described ? (r.lowSeconds() + r.highSeconds()) / 2 - r.offsetSeconds() : 0;
    }

    /**
     * No reference to follow (the selector has no majority, or its reference was refused): keep the clock
     * as it is and let the bound grow (HOLDOVER, then UNSYNCHRONIZED past the limit).
     */
    private ClockModel held(Reference reference, PanicRefusals panic) {
        ClockModel m = model;
        return new ClockModel(m.referenced(), m.anchorLocalNanos(), m.correctionAtAnchorNanos(), m.frequency(),
                m.residualSeconds(), m.slewRate(), m.referenceLocalNanos(), m.rootDelaySeconds(),
                m.rootDispersionSeconds(), m.maxDrift(), false, m.holdoverAfterNanos(), m.maxErrorBoundSeconds(),
                m.stratum(), m.leap(), reference.selectorNode(), m.systemPeer(), reference.sequence(), m.updates(),
                m.lastOffsetSeconds(), m.lastStep(), m.frequencySkew(), m.centerSeconds(), panic,
                m.systemPeerAddress());
    }

    private long holdoverAfterNanos() {
        return Math.round(settings.holdoverAfterSeconds() * 1e9);
    }
}
