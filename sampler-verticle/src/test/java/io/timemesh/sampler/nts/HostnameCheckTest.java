package io.timemesh.sampler.nts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostnameCheckTest {

    @Test
    void wildcardsStandForTheLeftMostLabelOnly() {
        assertThat(HostnameCheck.dnsMatches("*.example.org", "time.example.org")).isTrue();
        assertThat(HostnameCheck.dnsMatches("*.example.org", "a.b.example.org")).isFalse();
        assertThat(HostnameCheck.dnsMatches("*.example.org", "example.org")).isFalse();
        assertThat(HostnameCheck.dnsMatches("*.org", "example.org")).isFalse();
        assertThat(HostnameCheck.dnsMatches("Time.Example.org.", "time.example.ORG")).isTrue();
        assertThat(HostnameCheck.dnsMatches("time.example.org", "time.example.net")).isFalse();
    }

    @Test
    void addressLiteralsAreTold() {
        assertThat(HostnameCheck.isAddressLiteral("127.0.0.1")).isTrue();
        assertThat(HostnameCheck.isAddressLiteral("::1")).isTrue();
        assertThat(HostnameCheck.isAddressLiteral("time.example.org")).isFalse();
    }
}
