package io.timemesh.core.ntp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServerAddressTest {

    @Test
    void hostAloneUsesPort123() {
        assertThat(ServerAddress.parse("pool.ntp.org")).isEqualTo(new ServerAddress("pool.ntp.org", 123));
    }

    @Test
    void hostAndPort() {
        assertThat(ServerAddress.parse("127.0.0.2:11123")).isEqualTo(new ServerAddress("127.0.0.2", 11123));
        assertThat(ServerAddress.parse("127.0.0.2:11123").toString()).isEqualTo("127.0.0.2:11123");
    }

    @Test
    void ipv6WithAndWithoutBrackets() {
        assertThat(ServerAddress.parse("[::1]:1123")).isEqualTo(new ServerAddress("::1", 1123));
        assertThat(ServerAddress.parse("[::1]")).isEqualTo(new ServerAddress("::1", 123));
        assertThat(ServerAddress.parse("fe80::1")).isEqualTo(new ServerAddress("fe80::1", 123));
        assertThat(new ServerAddress("::1", 1123).toString()).isEqualTo("[::1]:1123");
    }

    @Test
    void nonsenseIsRefusedWithTheReason() {
        assertThatThrownBy(() -> ServerAddress.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> ServerAddress.parse("host:abc")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> ServerAddress.parse("host:70000")).hasMessageContaining("1..65535");
        assertThatThrownBy(() -> ServerAddress.parse("[::1")).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> ServerAddress.parse("[::1]x")).hasMessageContaining("':port'");
    }
}
