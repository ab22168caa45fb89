package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The cluster step's mean-based shortcut keeps exactly the survivors that RFC 5905 §11.2.2's definition
 * keeps: every pair's distance summed for each survivor, the largest RMS dropped while it exceeds the limit.
 */
class CombinerClusterProperties {

    @Property(tries = 2_000)
    void keepsWhatThePairwiseDefinitionKeeps(@ForAll("survivors") List<Combiner.Estimate> survivors) {
        List<Combiner.Estimate> expected = pairwise(survivors);
        assertThat(Combiner.cluster(survivors)).containsExactlyElementsOf(expected);
    }

    /**
     * The RFC's step as written, O(k²) per step. Cases where rounding alone could pick another survivor
     * (two jitters, or the worst and the limit, within 1e-9 of each other) are set aside.
     */
    private static List<Combiner.Estimate> pairwise(List<Combiner.Estimate> survivors) {
        List<Combiner.Estimate> kept = new ArrayList<>(survivors);
        while (kept.size() > Combiner.NMIN) {
            double[] jitter = new double[kept.size()];
            double leastError = Double.POSITIVE_INFINITY;
            int worst = 0;
            for (int i = 0; i < kept.size(); i++) {
                double sum = 0;
                for (Combiner.Estimate other : kept) {
                    double d = other.offsetSeconds() - kept.get(i).offsetSeconds();
                    sum += d * d;
                }
                jitter[i] = Math.sqrt(sum / (kept.size() - 1));
                worst = jitter[i] > jitter[worst] ? i : worst;
                leastError = Math.min(leastError, kept.get(i).errorSeconds());
            }
            for (int i = 0; i < jitter.length; i++) {
                Assume.that(i == worst || !close(jitter[i], jitter[worst]));
            }
            double limit = Combiner.CLUSTER_LIMIT * leastError;
            Assume.that(!close(jitter[worst], limit));
            if (jitter[worst] <= limit) {
                break;
            }
            kept.remove(worst);
        }
        return kept;
    }

    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
    }

    @Provide
    Arbitrary<List<Combiner.Estimate>> survivors() {
        // Offsets within ±50 ms, a few far off; errors from 1 µs to 5 ms: clusters that keep all, some or NMIN.
        Arbitrary<Double> offset = Arbitraries.oneOf(Arbitraries.doubles().between(-0.0005, 0.0005).ofScale(9),
                Arbitraries.doubles().between(-0.05, 0.05).ofScale(9));
        Arbitrary<Double> error = Arbitraries.doubles().between(1e-6, 5e-3).ofScale(9);
        Arbitrary<Combiner.Estimate> estimate = Combinators.combine(Arbitraries.strings().alpha().ofLength(4), offset,
                error).as(Combiner.Estimate::new);
        return estimate.list().ofMinSize(0).ofMaxSize(60);
    }
}
