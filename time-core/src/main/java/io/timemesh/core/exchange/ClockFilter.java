package io.timemesh.core.exchange;

import io.timemesh.core.ntp.NtpConstants;
import java.util.Arrays;

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

    /** RMS of the other stages' offsets about the chosen one (RFC 5905 §10, with n − 1 degrees of freedom). */
    private double jitter(NtpSample best) {
        if (size < 2) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double d = stages[i].offsetSeconds() - best.offsetSeconds();
            sum += d * d;
        }
        return Math.sqrt(sum / (size - 1));
    }

    public int size() {
        return size;
    }

    public void clear() {
        Arrays.fill(stages, null);
        size = 0;
        next = 0;
    }
}
