package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.SourceAuth;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SampleBatch;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ChronydServer;
import io.timemesh.testkit.TestCertificate;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The sampler with an NTS source (RFC 8915) served by a real chronyd on loopback, with a certificate the
 * test makes: authenticated samples, and a clear refusal when the certificate is not trusted.
 */
@Tag("chrony")
class NtsSamplingChronydTest {
    private static final MonotonicTimescale CLOCK = new MonotonicTimescale();
    private static final MeshAuth AUTH = MeshAuth.keyed("node-nts", ClusterKey.random(), CLOCK);
    private static final Path DIRECTORY = Path.of("target", "nts-sampling-test");

    private Vertx vertx;
    private final List<SourceSample> samples = new CopyOnWriteArrayList<>();
    private final List<SourceFault> faults = new CopyOnWriteArrayList<>();
    private final List<SourceAuth> auths = new CopyOnWriteArrayList<>();
    private final List<SampleBatch> batches = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        listen(EventBusAddresses.SAMPLES, body -> {
            SampleBatch batch = body.mapTo(SampleBatch.class);
            batches.add(batch);
            auths.addAll(batch.auths());
            samples.addAll(batch.samples());
        });
        listen(EventBusAddresses.SOURCE_FAULTS, body -> faults.add(body.mapTo(SourceFault.class)));
    }

    private void listen(String address, java.util.function.Consumer<JsonObject> sink) {
        MeshAuth.Inbox inbox = AUTH.inbox(address);
        vertx.eventBus().consumer(address, m -> inbox.open(m.body()).ifPresent(o -> sink.accept(o.body())));
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private void deploy(JsonObject source) {
        JsonObject config = new JsonObject().put("sources", new JsonArray().add(source)).put("pollSeconds", 1)
                .put("iburst", false).put("sampler", new JsonObject().put("timeoutMillis", 1_000)).put("nodeName", "node-nts");
        vertx.deployVerticle(new SamplerVerticle(CLOCK, AUTH, -20, HostResolver.SYSTEM),
                new DeploymentOptions().setConfig(config)).await();
    }

    private static void await(BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    @Test
    void chronydServesAuthenticatedSamplesAtThePortItsKeyExchangeNames() throws Exception {
        TestCertificate certificate = TestCertificate.selfSigned(DIRECTORY, "127.0.12.4");
        try (ChronydServer chronyd = ChronydServer.startNts("127.0.12.4", certificate)) {
            // The configured address has no port (123): only NTS-KE's NTPv4 Port record leads to chronyd's.
            deploy(new JsonObject().put("address", "127.0.12.4").put("nts", true).put("ntsKePort", chronyd.ntsKePort())
                    .put("trustedCertificates", certificate.certificate().toString()));
            await(() -> samples.size() >= 4, 10_000);

            assertThat(samples).hasSizeGreaterThanOrEqualTo(4).allSatisfy(sample -> {
                assertThat(sample.source()).isEqualTo("127.0.12.4:123");
                assertThat(sample.address()).isEqualTo(chronyd.hostPort());
                assertThat(sample.server().stratum()).isEqualTo(1);
            });
            assertThat(Math.abs(samples.get(samples.size() - 1).offsetSeconds())).isLessThan(0.005);
            assertThat(faults).isEmpty();
            SourceAuth last = auths.get(auths.size() - 1);
            assertThat(last.auth()).isEqualTo("NTS");
            assertThat(last.cookies()).isEqualTo(8); // each reply brings back the cookie its request spent
            assertThat(last.lastKeyExchangeNanos()).isPositive();
            // Every sample travels with its authentication, so a selector never holds one without the other.
            assertThat(batches).filteredOn(b -> !b.samples().isEmpty()).isNotEmpty()
                    .allSatisfy(b -> assertThat(b.auths()).extracting(SourceAuth::source).contains("127.0.12.4:123"));
            assertThat(chronyd.log()).doesNotContain("Could not");
        }
    }

    @Test
    void afterChronydChangesItsKeysItsNakLeadsToANewKeyExchange() throws Exception {
        TestCertificate certificate = TestCertificate.selfSigned(DIRECTORY, "127.0.12.9");
        try (ChronydServer chronyd = ChronydServer.startNts("127.0.12.9", certificate)) {
            deploy(new JsonObject().put("address", "127.0.12.9").put("nts", true).put("ntsKePort", chronyd.ntsKePort())
                    .put("trustedCertificates", certificate.certificate().toString()));
            await(() -> samples.size() >= 2, 10_000);
            long firstKe = auths.get(auths.size() - 1).lastKeyExchangeNanos();

            chronyd.restartWithNewKeys(); // our cookies were sealed under its old key
            int before = samples.size();
            await(() -> samples.size() >= before + 2, 15_000);

            assertThat(faults).anySatisfy(fault -> assertThat(fault.error()).isEqualTo("NTS NAK"));
            assertThat(samples).hasSizeGreaterThanOrEqualTo(before + 2);
            assertThat(auths.get(auths.size() - 1).lastKeyExchangeNanos()).isGreaterThan(firstKe);
        }
    }

    @Test
    void anUntrustedCertificateGivesNoSampleAndSaysWhy() throws Exception {
        TestCertificate certificate = TestCertificate.selfSigned(DIRECTORY, "127.0.12.5");
        TestCertificate other = TestCertificate.selfSigned(DIRECTORY.resolve("other"), "127.0.12.5");
        try (ChronydServer chronyd = ChronydServer.startNts("127.0.12.5", certificate)) {
            deploy(new JsonObject().put("address", "127.0.12.5").put("nts", true).put("ntsKePort", chronyd.ntsKePort())
                    .put("trustedCertificates", other.certificate().toString()));
            await(() -> faults.size() >= 2, 10_000);

            assertThat(samples).isEmpty();
            assertThat(faults).hasSizeGreaterThanOrEqualTo(2).allSatisfy(fault -> {
                assertThat(fault.error()).isEqualTo("NTS-KE failed");
                assertThat(fault.detail()).contains("TLS failed: certificate refused");
            });
            assertThat(auths).allSatisfy(a -> assertThat(a.cookies()).isZero());
        }
    }
}
