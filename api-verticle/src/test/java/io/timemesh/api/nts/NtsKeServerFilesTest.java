package io.timemesh.api.nts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timemesh.core.nts.NtsServerKeys;
import io.timemesh.testkit.TestCertificate;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NTS-KE server's certificate and key are read and checked as the event bus's and HTTP's TLS files are
 * ({@code PemTls}): a bad file is refused before the port is bound, naming the {@code ntsServer} setting and the file.
 */
class NtsKeServerFilesTest {
    private static final String LOOPBACK = "127.0.0.1";
    private final NtsServerKeys keys = new NtsServerKeys(new SecureRandom(), 3_600_000_000_000L, 0);

    @TempDir
    Path dir;

    @Test
    void anEcP256CertificateAndItsKeyServe() throws Exception {
        TestCertificate certificate = TestCertificate.selfSigned(dir, LOOPBACK);
        try (NtsKeServer server = start(certificate.certificate(), certificate.key())) {
            assertThat(server.port()).isPositive();
        }
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedBeforeThePortIsBound() throws Exception {
        TestCertificate one = TestCertificate.selfSigned(dir.resolve("one"), LOOPBACK);
        TestCertificate other = TestCertificate.selfSigned(dir.resolve("other"), LOOPBACK);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            port = probe.getLocalPort();
        }
        assertThatThrownBy(() -> NtsKeServer.start(LOOPBACK, port, one.certificate(), other.key(), keys, () -> 0,
                null, 123)).isInstanceOf(IOException.class).hasMessageContaining("'ntsServer.key'")
                .hasMessageContaining(other.key() + " is not the private key of the certificate in " + one.certificate());
        try (ServerSocket free = new ServerSocket(port, 1, InetAddress.getByName(LOOPBACK))) {
            assertThat(free.getLocalPort()).as("the port was never bound").isEqualTo(port);
        }
    }

    @Test
    void missingAndNonPemFilesNameTheirSetting() throws Exception {
        TestCertificate certificate = TestCertificate.selfSigned(dir, LOOPBACK);
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
        assertThatThrownBy(() -> start(dir.resolve("absent.pem"), certificate.key())).isInstanceOf(IOException.class)
                .hasMessageContaining("'ntsServer.certificate'").hasMessageContaining("no such file");
        assertThatThrownBy(() -> start(text, certificate.key())).isInstanceOf(IOException.class)
                .hasMessageContaining("'ntsServer.certificate'").hasMessageContaining("holds no PEM certificate");
        assertThatThrownBy(() -> start(certificate.certificate(), text)).isInstanceOf(IOException.class)
                .hasMessageContaining("'ntsServer.key'").hasMessageContaining("is not a PEM private key");
    }

    @Test
    void anEcKeyOffP256IsRefusedForTheHandshakesSignatureScheme() throws Exception {
        Path key = dir.resolve("p384-key.pem");
        Path certificate = dir.resolve("p384.pem");
        Process openssl = new ProcessBuilder(List.of(TestCertificate.OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:secp384r1", "-nodes", "-days", "2", "-subj", "/CN=" + LOOPBACK, "-keyout",
                key.toString(), "-out", certificate.toString())).redirectErrorStream(true).start();
        openssl.getInputStream().readAllBytes();
        assertThat(openssl.waitFor()).isZero();
        assertThatThrownBy(() -> start(certificate, key)).isInstanceOf(IOException.class)
                .hasMessageContaining("'ntsServer.key'").hasMessageContaining("384-bit curve");
    }

    private NtsKeServer start(Path certificate, Path key) throws IOException {
        return NtsKeServer.start(LOOPBACK, 0, certificate, key, keys, () -> 0, null, 123);
    }
}
