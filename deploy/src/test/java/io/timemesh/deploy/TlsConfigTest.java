package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.testkit.TestCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad TLS files ({@code cluster.tls}, {@code http.tls}) refuse the start before anything listens: exit 2, one line
 * naming the key, the file and where the key was given, as every other configuration error.
 */
class TlsConfigTest {
    @TempDir
    static Path dir;
    private static TestCertificate authority;
    private static TestCertificate node;
    private static TestCertificate other;
    private static Path clusterKey;
    private static Path notPem;

    @BeforeAll
    static void files() throws Exception {
        authority = TestCertificate.authority(dir, "config-test");
        node = authority.issue("node", "127.0.0.1");
        other = authority.issue("other", "127.0.0.1");
        clusterKey = Files.writeString(dir.resolve("cluster.key"), ClusterKey.generate());
        notPem = Files.writeString(dir.resolve("not.pem"), "not PEM at all\n");
    }

    private static CliRun clusterWithTls(Path cert, Path key, Path trust) {
        return CliRun.of("run", "--source", "127.0.0.1:9", "--cluster", "--cluster-key", clusterKey.toString(),
                "--cluster-tls-cert", cert.toString(), "--cluster-tls-key", key.toString(),
                "--cluster-tls-trust", trust.toString());
    }

    private static CliRun httpWithTls(String tls) throws Exception {
        Path config = Files.writeString(dir.resolve("node.json"), "{\"sources\": [\"127.0.0.1:9\"], \"http\": " + tls + "}");
        return CliRun.of("run", "--config", config.toString());
    }

    private static void assertRefused(CliRun outcome, String message) {
        assertThat(outcome.exitCode()).as(outcome.err()).isEqualTo(2);
        assertThat(outcome.err().strip().lines()).as(outcome.err()).hasSize(1);
        assertThat(outcome.err()).contains(message).doesNotContain("Usage", "Exception", "\tat ");
        assertThat(outcome.out()).as("nothing started").doesNotContain("serving");
    }

    @Test
    void aMissingCertificateIsNamedWithItsOption() {
        Path missing = dir.resolve("missing.pem");
        assertRefused(clusterWithTls(missing, node.key(), authority.certificate()),
                "'cluster.tls.certFile': " + missing + ": no such file (option --cluster-tls-cert)");
    }

    @Test
    void filesThatAreNotPemAreNamed() {
        assertRefused(clusterWithTls(notPem, node.key(), authority.certificate()),
                "'cluster.tls.certFile': " + notPem + " holds no PEM certificate");
        assertRefused(clusterWithTls(node.certificate(), notPem, authority.certificate()),
                "'cluster.tls.keyFile': " + notPem + " is not a PEM private key Vert.x can read");
        assertRefused(clusterWithTls(node.certificate(), node.key(), node.key()),
                "'cluster.tls.trustFile': " + node.key() + " holds no PEM certificate: no "
                        + "'-----BEGIN CERTIFICATE-----' line (option --cluster-tls-trust)");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() {
        assertRefused(clusterWithTls(node.certificate(), other.key(), authority.certificate()),
                "'cluster.tls.keyFile': " + other.key() + " is not the private key of the certificate in "
                        + node.certificate() + " (CN=node) (option --cluster-tls-key)");
    }

    @Test
    void aClusterTlsSectionNeedsAllThreeFiles() {
        CliRun outcome = CliRun.of("run", "--source", "127.0.0.1:9", "--cluster", "--cluster-key",
                clusterKey.toString(), "--cluster-tls-cert", node.certificate().toString(),
                "--cluster-tls-key", node.key().toString());
        assertRefused(outcome, "'cluster.tls.trustFile' must be a file name, was nothing");
    }

    @Test
    void httpsFilesAreCheckedAsTheClustersAre() throws Exception {
        assertRefused(httpWithTls("{\"tls\": {\"certFile\": \"" + node.certificate() + "\", \"keyFile\": \""
                + other.key() + "\"}}"), "'http.tls.keyFile': " + other.key() + " is not the private key of the "
                + "certificate in " + node.certificate());
        assertRefused(httpWithTls("{\"tls\": {\"certFile\": \"" + notPem + "\", \"keyFile\": \"" + node.key() + "\"}}"),
                "'http.tls.certFile': " + notPem + " holds no PEM certificate");
    }

    @Test
    void clientCertificatesNeedATrustFileAndATrustFileNeedsClientCertificates() throws Exception {
        String files = "\"certFile\": \"" + node.certificate() + "\", \"keyFile\": \"" + node.key() + "\"";
        assertRefused(httpWithTls("{\"tls\": {" + files + ", \"clientAuth\": \"required\"}}"),
                "'http.tls.trustFile' is missing: clientAuth \"required\" checks client certificates against it");
        assertRefused(httpWithTls("{\"tls\": {" + files + ", \"trustFile\": \"" + authority.certificate() + "\"}}"),
                "'http.tls.trustFile' is given, but clientAuth is \"none\"");
        assertRefused(httpWithTls("{\"tls\": {" + files + ", \"clientAuth\": \"sometimes\"}}"),
                "'http.tls.clientAuth' must be one of \"none\", \"request\", \"required\", was \"sometimes\"");
    }

    @Test
    void h2cAndTlsExcludeEachOther() throws Exception {
        assertRefused(httpWithTls("{\"h2c\": true, \"tls\": {\"certFile\": \"" + node.certificate() + "\", "
                + "\"keyFile\": \"" + node.key() + "\"}}"), "'http.h2c' and 'http.tls' exclude each other");
    }
}
