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

    @Test
    void aSystemPeersAddressIsItsIpv4AddressOrTheMd5OfItsIpv6Address() {
        assertThat(ReferenceId.ofAddress("127.0.5.1:123")).isEqualTo(0x7F000501);
        // RFC 5905 §7.3: the first four octets of the MD5 hash of the IPv6 address (Python's hashlib agrees).
        assertThat(ReferenceId.ofAddress("0:0:0:0:0:0:0:1:123")).isEqualTo(0xcf404dc8);
        assertThat(ReferenceId.ofAddress("[::1]:123")).isEqualTo(0xcf404dc8);
        assertThat(ReferenceId.ofAddress("2001:db8:0:0:0:0:0:123:10123")).isEqualTo(0xc975cecc);
        assertThatThrownBy(() -> ReferenceId.ofAddress("time.example.org:123"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an IP address");
    }
}
