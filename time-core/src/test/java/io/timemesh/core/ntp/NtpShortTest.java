package io.timemesh.core.ntp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class NtpShortTest {

    @Test
    void oneSecondIs65536() {
        assertThat(NtpShort.fromSeconds(1.0)).isEqualTo(65_536L);
        assertThat(NtpShort.toSeconds(65_536L)).isEqualTo(1.0);
    }

    @Test
    void roundsUpSoABoundNeverShrinks() {
        double seconds = 0.0123456;
        assertThat(NtpShort.toSeconds(NtpShort.fromSeconds(seconds))).isGreaterThanOrEqualTo(seconds)
                .isCloseTo(seconds, within(1.0 / 65_536));
    }

    @Test
    void saturatesAndClamps() {
        assertThat(NtpShort.fromSeconds(1e9)).isEqualTo(0xFFFF_FFFFL);
        assertThat(NtpShort.fromSeconds(-1)).isZero();
        assertThat(NtpShort.fromSeconds(Double.NaN)).isZero();
        assertThat(NtpShort.toSeconds(0xFFFF_FFFFL)).isCloseTo(65_536.0, within(1e-4));
    }
}
