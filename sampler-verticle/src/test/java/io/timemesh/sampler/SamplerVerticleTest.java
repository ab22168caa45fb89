package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.timebase.MeshAuth;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SampleBatch;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.testkit.CountingCounters;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.ServerBehaviour.Fault;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sampler verticle polling simulated servers on loopback and publishing on the event bus. */
class SamplerVerticleTest {

    private static final MonotonicTimescale TRUTH = new MonotonicTimescale();
    /** The sampler seals what it publishes as node-a; the test reads it back with the same key. */
    private static final MeshAuth AUTH = MeshAuth.keyed("node-a", ClusterKey.random(), TRUTH);

    private Vertx vertx;
    private final List<SourceSample> samples = new CopyOnWriteArrayList<>();
    private final List<SourceFault> faults = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        MeshAuth.Inbox sampleInbox = AUTH.inbox(EventBusAddresses.SAMPLES);
        MeshAuth.Inbox faultInbox = AUTH.inbox(EventBusAddresses.SOURCE_FAULTS);
        vertx.eventBus().consumer(EventBusAddresses.SAMPLES, m -> sampleInbox.open(m.body())
                .ifPresent(o -> samples.addAll(o.body().mapTo(SampleBatch.class).samples())));
        vertx.eventBus().consumer(EventBusAddresses.SOURCE_FAULTS, m -> faultInbox.open(m.body())
                .ifPresent(o -> faults.add(o.body().mapTo(SourceFault.class))));
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private String deploy(JsonObject config) {
        return deploy(config, NodeCounters.NONE);
    }

    private String deploy(JsonObject config, NodeCounters counters) {
        return vertx.deployVerticle(new SamplerVerticle(TRUTH, AUTH, -20, HostResolver.SYSTEM, counters),
                new DeploymentOptions().setConfig(config)).await();
    }

    private static JsonObject config(int pollSeconds, boolean iburst, SimulatedNtpServer... servers) {
        JsonArray sources = new JsonArray();
        for (SimulatedNtpServer server : servers) {
            sources.add(server.hostPort());
        }
        return new JsonObject().put("sources", sources).put("pollSeconds", pollSeconds).put("iburst", iburst)
                // a cold JVM's first exchange can take 400 ms
                .put("sampler", new JsonObject().put("timeoutMillis", 1_000)).put("nodeName", "node-a");
    }

    private List<SourceSample> samplesOf(SimulatedNtpServer server) {
        return samples.stream().filter(s -> s.source().equals(server.hostPort())).toList();
    }

    private long faultsWith(String error) {
        return faults.stream().filter(f -> f.error().equals(error)).count();
    }

    private List<SourceFault> faultsOf(SimulatedNtpServer server) {
        return faults.stream().filter(f -> f.source().equals(server.hostPort())).toList();
    }

    @Test
    void publishesFilteredSamplesAndFaultsWhilePollingEverySecond() throws Exception {
        try (SimulatedNtpServer good = SimulatedNtpServer.start("127.0.0.41", TRUTH,
                ServerBehaviour.truthful().withOffset(0.3).withDelays(ms(3), ms(1)));
             SimulatedNtpServer mute = SimulatedNtpServer.start("127.0.0.42", TRUTH,
                ServerBehaviour.truthful().withFault(Fault.SILENT));
             SimulatedNtpServer deny = SimulatedNtpServer.start("127.0.0.43", TRUTH,
                ServerBehaviour.truthful().withKiss("DENY"));
             SimulatedNtpServer rate = SimulatedNtpServer.start("127.0.0.44", TRUTH,
                ServerBehaviour.truthful().withKiss("RATE"))) {
            deploy(config(1, false, good, mute, deny, rate));
            // Four polls: about 4 s, more while a loaded machine delays the first exchanges.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> samplesOf(good)
                    .size() >= 4 && faultsOf(deny).size() >= 3 && !faultsOf(mute).isEmpty() && rate.requestCount() >= 2);

            List<SourceSample> fromGood = samplesOf(good);
            assertThat(fromGood).hasSizeGreaterThanOrEqualTo(4);
            SourceSample last = fromGood.get(fromGood.size() - 1);
            // 0.3 + (3 ms − 1 ms)/2, and half of what a loaded machine adds to the 4 ms delay
            assertThat(last.offsetSeconds()).isCloseTo(0.301,
                    within(0.003 + Math.max(0, last.filter().delaySeconds() - 0.004) / 2));
            assertThat(last.interval().contains(0.3)).isTrue();
            assertThat(last.samplerNode()).isEqualTo("node-a");
            assertThat(last.address()).isEqualTo(good.hostPort());
            assertThat(last.reach()).isGreaterThanOrEqualTo(0b1111);
            assertThat(last.filter().stages()).isEqualTo(fromGood.size());
            assertThat(last.pollSeconds()).isEqualTo(1);

            assertThat(samplesOf(mute)).isEmpty();
            assertThat(faultsOf(mute)).isNotEmpty().allSatisfy(f -> {
                assertThat(f.error()).isEqualTo("timeout");
                assertThat(f.stopped()).isFalse();
                assertThat(f.reach()).isZero();
            });

            // DENY: one request and never another, but the stopped state is told again every poll,
            // so a selector that starts later still learns it.
            assertThat(deny.requestCount()).isEqualTo(1);
            assertThat(faultsOf(deny)).hasSizeGreaterThanOrEqualTo(3).allSatisfy(f -> {
                assertThat(f.error()).isEqualTo("kiss code");
                assertThat(f.detail()).isEqualTo("DENY");
                assertThat(f.stopped()).isTrue();
            });

            // RATE: the poll doubles after every kiss (1 s → 2 s → 4 s): asked at 0 s, 2 s, 6 s, …
            List<SimulatedNtpServer.Request> asked = rate.requests();
            for (int k = 1; k < asked.size(); k++) {
                assertThat((asked.get(k).trueNanos() - asked.get(k - 1).trueNanos()) / 1e9).as("RATE poll %d", k)
                        .isGreaterThanOrEqualTo((1 << k) - 0.01);
            }
            assertThat(good.requestCount()).isGreaterThanOrEqualTo(4);
            assertThat(faultsOf(rate)).allSatisfy(f -> assertThat(f.detail()).isEqualTo("RATE"));
            assertThat(samplesOf(rate)).isEmpty();
        }
    }

    /**
     * Each exchange is counted once, when it ends, by outcome: a stopped source's fault, told again every poll,
     * is no exchange; forged and garbage replies end theirs (at the timeout) as bogus_origin and malformed.
     */
    @Test
    void everyExchangeIsCountedOnceByItsOutcome() throws Exception {
        CountingCounters counters = new CountingCounters();
        try (SimulatedNtpServer good = SimulatedNtpServer.start("127.0.0.51", TRUTH, ServerBehaviour.truthful());
             SimulatedNtpServer mute = SimulatedNtpServer.start("127.0.0.52", TRUTH,
                     ServerBehaviour.truthful().withFault(Fault.SILENT));
             SimulatedNtpServer deny = SimulatedNtpServer.start("127.0.0.53", TRUTH,
                     ServerBehaviour.truthful().withKiss("DENY"));
             SimulatedNtpServer rate = SimulatedNtpServer.start("127.0.0.54", TRUTH,
                     ServerBehaviour.truthful().withKiss("RATE"));
             SimulatedNtpServer spoofed = SimulatedNtpServer.start("127.0.0.55", TRUTH,
                     ServerBehaviour.truthful().withFault(Fault.SPOOFED_ORIGIN));
             SimulatedNtpServer garbage = SimulatedNtpServer.start("127.0.0.56", TRUTH,
                     ServerBehaviour.truthful().withFault(Fault.GARBAGE))) {
            String id = deploy(config(1, false, good, mute, deny, rate, spoofed, garbage), counters);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> samplesOf(good)
                    .size() >= 3 && faultsWith("timeout") > 0 && !faultsOf(spoofed).isEmpty() && !faultsOf(garbage).isEmpty()
                    && faultsOf(deny).size() >= 3);
            vertx.undeploy(id).await(); // nothing is counted or published after this
            // Counted against everything published: a slow first exchange may time out on any source.
            assertThat(counters.get("exchange:ok")).isEqualTo(samples.size()).isGreaterThanOrEqualTo(samplesOf(good).size())
                    .isGreaterThanOrEqualTo(3);
            assertThat(counters.get("exchange:timeout")).isEqualTo(faultsWith("timeout")).isPositive();
            assertThat(counters.get("exchange:bogus_origin")).isEqualTo(faultsWith("bogus origin"))
                    .isEqualTo(faultsOf(spoofed).size()).isPositive();
            assertThat(counters.get("exchange:malformed")).isEqualTo(faultsWith("malformed"))
                    .isEqualTo(faultsOf(garbage).size()).isPositive();
            assertThat(faultsOf(deny)).hasSizeGreaterThanOrEqualTo(3);
            assertThat(counters.get("exchange:kiss_deny")).isEqualTo(deny.requestCount()).isEqualTo(1);
            assertThat(counters.get("exchange:kiss_rate")).isEqualTo(rate.requestCount()).isEqualTo(faultsOf(rate).size());
            assertThat(counters.all().keySet()).allMatch(name -> name.startsWith("exchange:"));
        }
    }

    @Test
    void iburstGetsFourSamplesWithinSixSecondsOfAPoll64Source() throws Exception {
        try (SimulatedNtpServer good = SimulatedNtpServer.start("127.0.0.45", TRUTH, ServerBehaviour.truthful())) {
            deploy(config(64, true, good));
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> samplesOf(good).size() >= 4);
            // 2 s apart from the first exchange on, however late a loaded machine made that one (each gap checked, so
            // that a late timer is not counted thrice, and one of them on time); then nothing until the 64 s poll.
            List<SimulatedNtpServer.Request> asked = good.requests();
            double shortest = Double.MAX_VALUE;
            for (int i = 1; i < 4; i++) {
                double gap = (asked.get(i).trueNanos() - asked.get(i - 1).trueNanos()) / 1e9;
                assertThat(gap).as("gap %d", i).isBetween(2 - 0.01, 3.5);
                shortest = Math.min(shortest, gap);
            }
            assertThat(shortest).as("the shortest gap").isLessThanOrEqualTo(2.2);
            TimeUnit.SECONDS.sleep(2);
            assertThat(samplesOf(good)).hasSize(4);
            assertThat(good.requestCount()).isEqualTo(4);
        }
    }

    @Test
    void badConfigFailsTheDeploymentNamingTheKey() {
        assertThatThrownBy(() -> deploy(new JsonObject().put("sources", new JsonArray().add("x")).put("pollSeconds", 0)))
                .hasMessageContaining("pollSeconds");
        assertThatThrownBy(() -> deploy(new JsonObject().put("sources", new JsonArray().add("host:notaport"))))
                .hasMessageContaining("sources[0]");
        assertThatThrownBy(() -> deploy(new JsonObject().put("sources", new JsonArray().add(5))))
                .hasMessageContaining("sources[0]");
    }

    private static java.time.Duration ms(long millis) {
        return java.time.Duration.ofMillis(millis);
    }
}
