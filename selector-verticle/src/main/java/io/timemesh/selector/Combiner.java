package io.timemesh.selector;

import io.timemesh.core.message.SourceSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the survivors of the intersection into one point estimate: the RFC 5905 §11.2.2 cluster step,
 * then the survivors' estimates combined with weights 1/e² (§11.2.3 weights by 1/λ; chrony by the
 * inverse variance of its estimates).
 *
 * <p>A survivor's estimate is its source's own point estimate ({@code SourceStats}), carried to the selection
 * time at its estimated frequency: the centre of its exchanges' intervals intersected at its frequency
 * ± two standard errors of it. Its ends are where the least-delay exchanges each way put the source, so it is what
 * NTP's clock filter aims at with its least-delay sample, done per direction; the regression's mean instead
 * averages every exchange's timestamping latency, which here is one-sided and varies with load: it moved
 * the combined offset by up to −0.36 ms in {@code AccuracyBench} where the centres agreed within 0.01 ms.
 * The exact interval's own centre, whose exchanges age at maxDrift, wandered with the ageing of the quickest
 * exchange each way (tens of µs under 0.5 ms of jitter) where the frequency is known far better than that.
 *
 * <p>A survivor's error e is what is known about how far its estimate may be from the truth: the
 * regression's standard error σ, and its interval's half-width w taken as a uniform spread of the
 * unknown path asymmetry (variance w²/3), so e² = σ² + w²/3. A tight symmetric source then outweighs
 * asymmetric ones, and many quiet samples outweigh a few noisy ones: a survivor with k times the
 * least error counts 1/k² as much, so far worse sources barely move the estimate. (chrony's
 * combinelimit, which leaves out sources over 3 times the best's distance, is not used: with honest
 * sources on opposite asymmetric paths it would cut one side of a pair and bias the mean towards the
 * other.) The cluster step removes survivors whose estimates sit far from the rest. The estimate
 * stays a weighted mean of survivors' estimates, each inside its own interval; the caller keeps it
 * inside the majority hull.
 */
public final class Combiner {
    private Combiner() {}

    /** RFC 5905 NMIN: the cluster step never leaves fewer survivors than this. */
    static final int NMIN = 3;
    /**
     * How many times the least error a survivor's selection jitter may reach before the cluster step drops it.
     * The RFC compares with the least peer jitter, a statistic alone; here the errors also hold the spread of
     * path asymmetry, and honest sources on opposite asymmetric paths sit about one such error apart: dropping
     * one of them would bias the mean towards the other side.
     */
    static final double CLUSTER_LIMIT = 3;
    /** Smallest error used as a weight, so a zero-width interval cannot take all the weight by division by zero. */
    private static final double MIN_ERROR = 1e-9;

    /** One survivor's point estimate and its error e, in seconds. */
    record Estimate(String source, double offsetSeconds, double errorSeconds) {}

    /**
     * The combined offset of the truechimers, in seconds.
     *
     * @param truechimers the intersection's survivors (their intervals)
     * @param samples     every candidate's sample by source, on the selector's timescale (their frequencies and
     *                    standard errors)
     * @param nowNanos    the selection time: each source's estimate is carried here at its frequency
     * @throws IllegalArgumentException without survivors
     */
    public static double combine(List<Candidate> truechimers, Map<String, SourceSample> samples, long nowNanos) {
        List<Estimate> estimates = new ArrayList<>();
        for (Candidate c : truechimers) {
            SourceSample s = samples.get(c.source());
            double halfWidth = c.rootDistanceSeconds();
            double standardError = s.estimate().errorSeconds();
            double error = Math.sqrt(standardError * standardError + halfWidth * halfWidth / 3);
            estimates.add(new Estimate(c.source(), s.estimateAt(nowNanos), error));
        }
        return weightedOffset(cluster(estimates));
    }

    /**
     * RFC 5905 §11.2.2: while more than {@link #NMIN} remain, drop the survivor with the largest
     * selection jitter (RMS distance of its estimate from the others') if that exceeds
     * {@link #CLUSTER_LIMIT} times the smallest error of any survivor; the survivors left, in their order.
     *
     * <p>With k survivors of mean m and V = Σ(x − m)², survivor i's squared distances sum to
     * V + k(x_i − m)², so the largest jitter is the estimate farthest from the mean: each step takes O(k),
     * not the O(k²) of summing every pair (at a thousand sources that was most of a node's CPU).
     */
    static List<Estimate> cluster(List<Estimate> survivors) {
        List<Estimate> kept = new ArrayList<>(survivors);
        while (kept.size() > NMIN) {
            int k = kept.size();
            double mean = 0;
            double leastError = Double.POSITIVE_INFINITY;
            for (Estimate e : kept) {
                mean += e.offsetSeconds();
                leastError = Math.min(leastError, e.errorSeconds());
            }
            mean /= k;
            double spread = 0; // V, summed about the mean so that close offsets do not cancel
            int worst = -1;
            double worstDeviation = -1;
            for (int i = 0; i < k; i++) {
                double d = kept.get(i).offsetSeconds() - mean;
                spread += d * d;
                if (d * d > worstDeviation) {
                    worstDeviation = d * d;
                    worst = i;
                }
            }
            double worstJitter = Math.sqrt((spread + k * worstDeviation) / (k - 1));
            if (worstJitter <= CLUSTER_LIMIT * leastError) {
                break;
            }
            kept.remove(worst);
        }
        return kept;
    }

    /** The mean of the estimates weighted by 1/e². */
    static double weightedOffset(List<Estimate> estimates) {
        if (estimates.isEmpty()) {
            throw new IllegalArgumentException("nothing to combine");
        }
        double weighted = 0;
        double weights = 0;
        for (Estimate e : estimates) {
            double error = Math.max(e.errorSeconds(), MIN_ERROR);
            double weight = 1 / (error * error);
            weighted += weight * e.offsetSeconds();
            weights += weight;
        }
        return weighted / weights;
    }
}
