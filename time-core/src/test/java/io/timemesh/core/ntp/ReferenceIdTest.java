package io.timemesh.core.ntp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReferenceIdTest {

    @Test
    void asciiCodesArePackedLeftJustified() {
        assertThat(ReferenceId.ofAscii("RATE")).isEqualTo(0x52415445);
        assertThat(ReferenceId.ofAscii("GPS")).isEqualTo(0x47505300);
        assertThat(ReferenceId.asAscii(0x47505300)).isEqualTo("GPS");
    }

    @Test
    void stratumDecidesHowToRead() {
        assertThat(ReferenceId.format(1, ReferenceId.ofAscii("LOCL"))).isEqualTo("LOCL");
        assertThat(ReferenceId.format(2, 0x7F000001)).isEqualTo("127.0.0.1");
        assertThat(ReferenceId.asAscii(0x01FF4100)).isEqualTo("??A");
        assertThat(ReferenceId.format(1, 0x7F7F0101)).isEqualTo("127.127.1.1"); // chrony's local clock
        assertThat(ReferenceId.format(0, ReferenceId.ofAscii("DENY"))).isEqualTo("DENY");
    }

    @Test
    void tooLongIsRefused() {
        assertThatThrownBy(() -> ReferenceId.ofAscii("TOOLONG")).isInstanceOf(IllegalArgumentException.class);
    }
}
