package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The radix sort orders exactly as Arrays.sort does, whatever the values, on both sides of its threshold. */
class EndpointSortProperties {

    @Property(tries = 300)
    void sortsAsArraysSortDoes(@ForAll("endpoints") double[] values) {
        double[] expected = values.clone();
        Arrays.sort(expected);
        EndpointSort.sort(values);
        assertThat(values).isEqualTo(expected);
    }

    @Provide
    Arbitrary<double[]> endpoints() {
        Arbitrary<Double> value = Arbitraries.oneOf(Arbitraries.doubles(),
                Arbitraries.doubles().between(-0.05, 0.05),
                Arbitraries.of(0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE,
                        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 0.3, -0.3));
        return value.array(double[].class).ofMinSize(0).ofMaxSize(3_000);
    }
}
