package io.timemesh.core.exchange;

import io.timemesh.core.ntp.NtpConstants;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The per-source 8-stage clock filter of RFC 5905 §10: keep the last eight samples and trust the
 * one with the least delay, because queueing only ever adds delay and the error it causes is at
 * most half the delay.
 *
 * <p>Unlike the RFC's weighted sum over stages (a quality score, where an empty stage counts as
 * 16 s), the dispersion reported here is the chosen sample's own ε aged by PHI: the part that
 * actually bounds that sample's error. Quality shows in jitter and reach instead.
 */
public final class ClockFilter {
    private static final double JITTER_DELAY_FACTOR = 2.0;
    private static final double JITTER_DELAY_SLACK = 0.001;

    private final NtpSample[] stages = new NtpSample[NtpConstants.FILTER_STAGES];
    private int size;
    private int next;

    /** Adds a sample and returns the estimate as of the sample's arrival. */
    public FilteredEstimate add(NtpSample sample) {
        stages[next] = sample;
        next = (next + 1) % stages.length;
        size = Math.min(size + 1, stages.length);
        return estimate(sample.t4Nanos());
    }

    /** The current estimate, dispersion aged to {@code nowNanos}; null before the first sample. */
    public FilteredEstimate estimate(long nowNanos) {
        NtpSample best = null;
        for (int i = 0; i < size; i++) {
            NtpSample candidate = stages[i];
            // Least delay wins; on equal delay the newer sample, whose dispersion has aged less.
            if (best == null || candidate.delaySeconds() < best.delaySeconds()
                    || (candidate.delaySeconds() == best.delaySeconds() && candidate.t4Nanos() > best.t4Nanos())) {
                best = candidate;
            }
        }
        if (best == null) {
            return null;
        }
        return new FilteredEstimate(best, nowNanos, best.agedDispersionSeconds(nowNanos), jitter(best), size);
    }

    /**
     * RMS of the offsets about the chosen one (RFC 5905 §10, n − 1 degrees of freedom), over the stages
     * whose delay is within {@link #JITTER_DELAY_FACTOR}× the least (or 1 ms of it). The RFC counts
     * every stage, but a stage delayed by queueing has an offset the min-delay rule already distrusts;
     * counting it would grow λ with queueing rather than with the noise of the offset we use.
     */
    private double jitter(NtpSample best) {
        double limit = Math.max(best.delaySeconds() * JITTER_DELAY_FACTOR, best.delaySeconds() + JITTER_DELAY_SLACK);
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < size; i++) {
            if (stages[i].delaySeconds() <= limit) {
                double d = stages[i].offsetSeconds() - best.offsetSeconds();
                sum += d * d;
                counted++;
            }
        }
        return counted < 2 ? 0 : Math.sqrt(sum / (counted - 1));
    }

    public int size() {
        return size;
    }

    /** The stages, oldest first: adding them in this order to an empty filter rebuilds it. */
    public List<NtpSample> samples() {
        List<NtpSample> samples = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            samples.add(stages[(next - size + i + stages.length) % stages.length]);
        }
        return samples;
    }

    public void clear() {
        Arrays.fill(stages, null);
        size = 0;
        next = 0;
    }
}
