package io.timemesh.sampler.nts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timemesh.core.nts.NtsException;
import io.timemesh.testkit.ChronydServer;
import io.timemesh.testkit.TestCertificate;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** NTS-KE against a real chronyd serving NTS on loopback with a certificate the test makes. */
@Tag("chrony")
class NtsKeClientChronydTest {
    private static final Path DIRECTORY = Path.of("target", "nts-ke-test");
    private static TestCertificate certificate;
    private static ChronydServer chronyd;

    @BeforeAll
    static void start() throws Exception {
        certificate = TestCertificate.selfSigned(DIRECTORY, "127.0.12.1");
        chronyd = ChronydServer.startNts("127.0.12.1", certificate);
    }

    @AfterAll
    static void stop() {
        if (chronyd != null) {
            chronyd.close();
        }
    }

    @Test
    void keyExchangeWithChronydGivesCookiesAndItsNtpPort() throws Exception {
        NtsKeClient.Result result = NtsKeClient.trusting(certificate.certificate())
                .exchange("127.0.12.1", chronyd.ntsKePort(), Duration.ofSeconds(5));
        assertThat(result.response().cookies()).hasSize(8);
        assertThat(result.response().port()).hasValue(chronyd.port());
        assertThat(result.keys().c2s()).isNotEqualTo(result.keys().s2c());
    }

    @Test
    void anUntrustedCertificateIsRefusedWithItsReason() throws Exception {
        TestCertificate other = TestCertificate.selfSigned(DIRECTORY.resolve("other"), "127.0.12.1");
        assertThatThrownBy(() -> NtsKeClient.trusting(other.certificate())
                .exchange("127.0.12.1", chronyd.ntsKePort(), Duration.ofSeconds(5)))
                .isInstanceOf(NtsException.class).hasMessageContaining("TLS failed");
        assertThatThrownBy(() -> NtsKeClient.trusting(null).exchange("127.0.12.1", chronyd.ntsKePort(),
                Duration.ofSeconds(5))).isInstanceOf(NtsException.class).hasMessageContaining("TLS failed");
    }

    @Test
    void aTrustedCertificateForAnotherAddressIsRefused() throws Exception {
        // A server at 127.0.12.3 presenting a certificate (trusted) that was issued for 127.0.12.2.
        TestCertificate elsewhere = TestCertificate.selfSigned(DIRECTORY.resolve("elsewhere"), "127.0.12.2");
        try (ChronydServer impostor = ChronydServer.startNts("127.0.12.3", elsewhere)) {
            assertThatThrownBy(() -> NtsKeClient.trusting(elsewhere.certificate())
                    .exchange("127.0.12.3", impostor.ntsKePort(), Duration.ofSeconds(5)))
                    .hasMessageContaining("certificate is not for 127.0.12.3 (it names 127.0.12.2)");
        }
    }

    @Test
    void nothingListeningIsAClearReason() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.12.1"))) {
            closed = socket.getLocalPort();
        }
        assertThatThrownBy(() -> NtsKeClient.trusting(certificate.certificate()).exchange("127.0.12.1", closed,
                Duration.ofSeconds(2))).hasMessageStartingWith("NTS-KE with 127.0.12.1:" + closed + ": Connection refused");
    }
}
