package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.testkit.ChronydServer;
import io.timemesh.testkit.TestCertificate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code timemesh query --nts} against a real chronyd serving NTS (RFC 8915) on loopback. */
@Tag("chrony")
class NtsQueryCommandTest {
    private static final String CHRONYD = "127.0.12.8";

    @Test
    void queryWithNtsMeasuresChronydOnlyWithATrustedCertificate() throws Exception {
        Path directory = Path.of("target", "nts-query-test");
        TestCertificate certificate = TestCertificate.selfSigned(directory, CHRONYD);
        TestCertificate other = TestCertificate.selfSigned(directory.resolve("other"), CHRONYD);
        try (ChronydServer chronyd = ChronydServer.startNts(CHRONYD, certificate)) {
            String kePort = String.valueOf(chronyd.ntsKePort());
            CliRun good = CliRun.of("query", "--json", "--samples", "3", "--interval", "0.1", "--nts", "--nts-ke-port",
                    kePort, "--nts-trusted-certificates", certificate.certificate().toString(), CHRONYD);
            assertThat(good.exitCode()).as(good.err()).isZero();
            JsonObject server = new JsonArray(good.out()).getJsonObject(0);
            assertThat(server.getString("server")).isEqualTo(CHRONYD + ":123");
            assertThat(server.getInteger("samples")).isEqualTo(3);
            assertThat(server.getInteger("stratum")).isEqualTo(1);
            assertThat(Math.abs(server.getDouble("offsetSeconds"))).isLessThan(0.005);
            assertThat(server.getValue("error")).isNull();

            CliRun untrusted = CliRun.of("query", "--json", "--samples", "1", "--nts", "--nts-ke-port", kePort,
                    "--nts-trusted-certificates", other.certificate().toString(), CHRONYD);
            assertThat(untrusted.exitCode()).isEqualTo(1);
            assertThat(new JsonArray(untrusted.out()).getJsonObject(0).getString("error"))
                    .startsWith("NTS-KE failed: ").contains("certificate refused");
        }
    }
}
