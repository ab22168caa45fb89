package io.timemesh.discipline;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.LeapSecond;
import io.timemesh.core.clock.PanicRefusals;
import io.timemesh.core.message.Reference;
import io.timemesh.core.ntp.LeapIndicator;
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
 *
 * <p>A leap second the selector announces (its majority, on the last day of June or December) is scheduled in
 * the model as a {@link LeapSecond}: V keeps counting without the leap and the model maps it to the served time
 * of {@code discipline.leapMode}. A reference made after the leap counts UTC, so the leap is added back to its
 * offset; one whose offset sits nearer the time before the leap is built of samples from before it (a source's
 * filter still holds them) and is not followed. A day after the leap, when no such sample is left, it is folded
 * into the correction and forgotten.
 */
public final class VirtualClock {
    private final DisciplineSettings settings;
    private final FrequencyEstimator frequency;
    private ClockModel model;
    private long lastBasisNanos = Long.MIN_VALUE;
    private String lastBasisSelector;
    private int informativeUpdates;

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
        settleLeap(nowLocalNanos);
        if (!reference.usable()) {
            model = held(reference, model.tracking().panic(), false);
            return model;
        }
        double leapSeconds = leapAdded(reference, referenceLocalNanos, nowLocalNanos);
        if (Double.isNaN(leapSeconds)) {
            // Samples from before the leap: wait for newer.
            model = held(reference, model.tracking().panic(), model.upstream().majority());
            return model;
        }
        double panicOffset = panicOffset(reference.offsetSeconds() + leapSeconds, referenceLocalNanos, nowLocalNanos);
        if (!Double.isNaN(panicOffset)) {
            model = held(reference, PanicRefusals.after(model.tracking().panic(), panicOffset, nowLocalNanos,
                    reference.peer().systemPeer(), settings.panicThresholdSeconds()), false);
            return model;
        }
        if (!reference.id().selectorNode().equals(lastBasisSelector)) {
            lastBasisSelector = reference.id().selectorNode(); // another selector's basis is on another clock
            lastBasisNanos = Long.MIN_VALUE;
        }
        if (reference.id().basisNanos() > lastBasisNanos) { // only new samples say anything new about the slope
            lastBasisNanos = reference.id().basisNanos();
            informativeUpdates++;
            frequency.add(referenceLocalNanos, reference.offsetSeconds() + leapSeconds);
        }
        double f = frequency.frequency();
        long correctionNow = model.correctionNanos(nowLocalNanos);
        // True time minus local time, carried from when the reference was valid to now.
        double trueOffsetNow = reference.offsetSeconds() + leapSeconds + f * (nowLocalNanos - referenceLocalNanos) / 1e9;
        double error = trueOffsetNow - correctionNow / 1e9;
        boolean converging = informativeUpdates <= settings.convergenceUpdates();
        boolean step = !model.referenced() || Math.abs(error) > settings.stepThresholdSeconds()
                || (converging && Math.abs(error) > settings.convergenceStepSeconds());
        long correctionAtAnchor = step ? correctionNow + Math.round(error * 1e9) : correctionNow;
        LeapSecond leap = scheduled(reference.peer().leap(), nowLocalNanos + correctionAtAnchor);
        double residual = step ? 0 : error;
        double slewRate = step ? 0 : Math.min(settings.maxSlewRate(), Math.abs(error) / settings.slewTimeConstantSeconds());
        Reference.Peer peer = reference.peer();
        model = new ClockModel(new ClockModel.Correction(nowLocalNanos, correctionAtAnchor, f, residual, slewRate),
                // The interval about the estimate: served about V + r, so a slew moves it but never widens it.
                new ClockModel.Bound(referenceLocalNanos, reference.interval().shifted(-reference.offsetSeconds())),
                model.limits(),
                new ClockModel.Upstream(reference.id().selectorNode(), reference.id().sequence(), true,
                        // The system peer's stratum + 1; 16 = unsynchronised.
                        Math.min(NtpConstants.MAXSTRAT, peer.stratum() + 1),
                        leap == null ? LeapIndicator.NO_WARNING : peer.leap(), peer.systemPeer(),
                        peer.systemPeerAddress(), peer.rootDelaySeconds()),
                new ClockModel.Tracking(model.tracking().updates() + 1, error, step, frequency.skew(),
                        model.tracking().panic()),
                leap);
        return model;
    }

    /**
     * What a reference's offsets need added to count on V's continuous scale, s: the leap (+1 s after an
     * inserted second, −1 s after a deleted one) when its offset says it was made after a scheduled leap, else 0;
     * NaN when it was made after the leap but of samples from before it (a source's filter still holds them).
     * Close to the leap, V's own error decides nothing: the reference is read whichever way puts it nearer V.
     */
    private double leapAdded(Reference reference, long referenceLocalNanos, long nowLocalNanos) {
        LeapSecond leap = model.leapSecond();
        long made = referenceLocalNanos + model.correctionNanos(referenceLocalNanos);
        long close = Math.round((settings.maxErrorBoundSeconds() + 1) * 1e9);
        if (leap == null || made < leap.startNanos() - close) {
            return 0;
        }
        double added = leap.stepNanos() / 1e9;
        double unchanged = reference.offsetSeconds() + frequency.frequency() * (nowLocalNanos - referenceLocalNanos) / 1e9
                - model.correctionNanos(nowLocalNanos) / 1e9;
        if (Math.abs(unchanged + added) <= Math.abs(unchanged)) {
            return added;
        }
        return made < leap.startNanos() ? 0 : Double.NaN;
    }

    /**
     * The leap second the model carries after a reference announcing {@code announced} at V = {@code nowNanos}: one
     * under way stays until settled; before it starts, each majority reference schedules or withdraws it.
     */
    private LeapSecond scheduled(LeapIndicator announced, long nowNanos) {
        LeapSecond current = model.leapSecond();
        if (current != null && nowNanos >= current.startNanos()) {
            return current;
        }
        return LeapSecond.announced(announced, nowNanos, settings.leapMode(), settings.leapDays());
    }

    /** A day after a leap no sample from before it is left: fold it into the correction and forget it. */
    private void settleLeap(long nowLocalNanos) {
        LeapSecond leap = model.leapSecond();
        if (leap == null || nowLocalNanos + model.correctionNanos(nowLocalNanos) < leap.settledNanos()) {
            return;
        }
        frequency.shift(-leap.stepNanos() / 1e9);
        ClockModel.Correction c = model.correction();
        model = new ClockModel(new ClockModel.Correction(c.anchorLocalNanos(), c.atAnchorNanos() - leap.stepNanos(),
                c.frequency(), c.residualSeconds(), c.slewRate()), model.bound(), model.limits(), model.upstream(),
                model.tracking(), null);
    }

    /**
     * The correction a reference asks for when it exceeds the panic threshold and must be refused, else
     * NaN: never before the first synchronisation (the first reference is always taken, as with ntpd -g)
     * nor with the threshold 0 (off).
     */
    private double panicOffset(double offsetSeconds, long referenceLocalNanos, long nowLocalNanos) {
        double threshold = settings.panicThresholdSeconds();
        if (!model.referenced() || threshold == 0) {
            return Double.NaN;
        }
        double trueOffsetNow = offsetSeconds
                + frequency.frequency() * (nowLocalNanos - referenceLocalNanos) / 1e9;
        double error = trueOffsetNow - model.correctionNanos(nowLocalNanos) / 1e9;
        return Math.abs(error) > threshold ? error : Double.NaN;
    }

    /**
     * No reference to follow (the selector has no majority, its reference was refused, or it is built of samples
     * from before a leap): keep the clock as it is and let the bound grow (HOLDOVER, then UNSYNCHRONIZED past the
     * limit).
     */
    private ClockModel held(Reference reference, PanicRefusals panic, boolean majority) {
        ClockModel.Upstream u = model.upstream();
        ClockModel.Tracking t = model.tracking();
        return new ClockModel(model.correction(), model.bound(), model.limits(),
                new ClockModel.Upstream(reference.id().selectorNode(), reference.id().sequence(), majority, u.stratum(),
                        u.leap(), u.systemPeer(), u.systemPeerAddress(), u.rootDelaySeconds()),
                new ClockModel.Tracking(t.updates(), t.lastOffsetSeconds(), t.lastStep(), t.frequencySkew(), panic),
                model.leapSecond());
    }

    private long holdoverAfterNanos() {
        return Math.round(settings.holdoverAfterSeconds() * 1e9);
    }
}
