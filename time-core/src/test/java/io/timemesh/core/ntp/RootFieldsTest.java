package io.timemesh.core.ntp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** NTP's root fields carry the whole bound: delay/2 + dispersion = λ, the delay capped at 2λ. */
class RootFieldsTest {

    @Test
    void thePathDelayIsTheRootDelayAndTheRestOfTheBoundIsDispersion() {
        RootFields fields = RootFields.carrying(0.003, 0.004);
        assertThat(fields.delaySeconds()).isEqualTo(0.004);
        assertThat(fields.dispersionSeconds()).isCloseTo(0.001, within(1e-15));
    }

    @Test
    void aBoundNarrowerThanHalfThePathCapsTheRootDelayAtTwiceTheBound() {
        RootFields fields = RootFields.carrying(0.0025, 0.010);
        assertThat(fields.delaySeconds()).isEqualTo(0.005);
        assertThat(fields.dispersionSeconds()).isZero();
        assertThat(fields.delaySeconds() / 2 + fields.dispersionSeconds()).isEqualTo(0.0025);
    }
}
