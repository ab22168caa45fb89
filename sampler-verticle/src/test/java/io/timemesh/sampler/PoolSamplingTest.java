package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.SampleBatch;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.ServerBehaviour.Fault;
import io.timemesh.testkit.SimulatedNtpServer;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pools and names that move, resolved by the test's own resolver, against simulated servers on loopback. */
class PoolSamplingTest {

    private static final MonotonicTimescale TRUTH = new MonotonicTimescale();
    private static final MeshAuth AUTH = MeshAuth.keyed("node-a", ClusterKey.random(), TRUTH);

    private Vertx vertx;
    private final List<SourceSample> samples = new CopyOnWriteArrayList<>();
    /** What each name resolves to, changed by a test while the sampler runs. */
    private final Map<String, List<String>> names = new ConcurrentHashMap<>();
    private final List<SimulatedNtpServer> servers = new ArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        MeshAuth.Inbox inbox = AUTH.inbox(EventBusAddresses.SAMPLES);
        vertx.eventBus().consumer(EventBusAddresses.SAMPLES, m -> inbox.open(m.body())
                .ifPresent(o -> samples.addAll(o.body().mapTo(SampleBatch.class).samples())));
    }

    @AfterEach
    void stop() {
        vertx.close().await();
        servers.forEach(SimulatedNtpServer::close);
    }

    /** Simulated servers on 127.0.21.1.. that all listen on one port, as a pool's servers do. */
    private int serve(int count, Predicate<Integer> silent) throws Exception {
        return serveAs(count, i -> silent.test(i) ? ServerBehaviour.truthful().withFault(Fault.SILENT)
                : ServerBehaviour.truthful());
    }

    /** As {@link #serve(int, Predicate)}, server {@code i} (from 1) behaving as {@code behaviours} says. */
    private int serveAs(int count, java.util.function.IntFunction<ServerBehaviour> behaviours) throws Exception {
        int port = 0;
        for (int i = 1; i <= count; i++) {
            ServerBehaviour behaviour = behaviours.apply(i);
            SimulatedNtpServer server = port == 0 ? SimulatedNtpServer.start("127.0.21." + i, TRUTH, behaviour)
                    : SimulatedNtpServer.start("127.0.21." + i, port, TRUTH, behaviour);
            port = server.port();
            servers.add(server);
        }
        return port;
    }

    private void deploy(JsonObject config) {
        vertx.deployVerticle(new SamplerVerticle(TRUTH, AUTH, -20, HostResolver.table(names)), new DeploymentOptions().setConfig(
                config.put("pollSeconds", 1).put("iburst", false)
                        .put("sampler", new JsonObject().put("timeoutMillis", 300)).put("nodeName", "node-a")))
                .await();
    }

    private List<String> addressesOf(String source) {
        return samples.stream().filter(s -> s.source().equals(source)).map(SourceSample::address).distinct().toList();
    }

    private static void waitFor(long millis, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    @Test
    void aPoolOfFourAddressesIsFourSourcesEachAskingItsOwnServer() throws Exception {
        int port = serve(4, i -> false);
        names.put("pool.test", List.of("127.0.21.3", "127.0.21.1", "127.0.21.4", "127.0.21.2"));
        deploy(new JsonObject().put("pools", new JsonArray().add(new JsonObject().put("name", "pool.test:" + port))));
        List<String> members = List.of("pool.test:" + port + "#0", "pool.test:" + port + "#1",
                "pool.test:" + port + "#2", "pool.test:" + port + "#3");
        waitFor(10_000, () -> members.stream().allMatch(m -> !addressesOf(m).isEmpty()));

        // The i-th member asks the i-th address in sorted order, whatever order the resolver gave.
        for (int i = 0; i < 4; i++) {
            assertThat(addressesOf(members.get(i))).containsExactly("127.0.21." + (i + 1) + ":" + port);
        }
        assertThat(servers).allSatisfy(server -> assertThat(server.requestCount()).isPositive());
    }

    @Test
    void anUnreachableMemberIsReplacedByAnAddressOfThePoolNotInUse() throws Exception {
        int port = serve(5, i -> i == 2); // 127.0.21.2 never answers; 127.0.21.5 is the spare
        names.put("pool.test", List.of("127.0.21.1", "127.0.21.2", "127.0.21.3", "127.0.21.4", "127.0.21.5"));
        deploy(new JsonObject().put("pools", new JsonArray().add(new JsonObject().put("name", "pool.test:" + port))));
        String member = "pool.test:" + port + "#1";
        waitFor(25_000, () -> !addressesOf(member).isEmpty());

        assertThat(addressesOf(member)).containsExactly("127.0.21.5:" + port);
        // Asked until it had missed the replacement rule's polls, and never again after.
        int asked = servers.get(1).requestCount();
        assertThat(asked).isGreaterThanOrEqualTo(PoolChoice.REPLACE_AFTER_POLLS);
        Thread.sleep(2_500);
        assertThat(servers.get(1).requestCount()).isEqualTo(asked);
        for (int other : new int[] {0, 2, 3}) {
            assertThat(addressesOf("pool.test:" + port + "#" + other)).containsExactly("127.0.21." + (other + 1) + ":" + port);
        }
    }

    /** A DENY or RSTR kiss stops a member's server for good: the member takes another of the pool at once. */
    @Test
    void aMemberStoppedByAKissIsReplacedAtOnce() throws Exception {
        int port = serveAs(5, i -> i == 2 ? ServerBehaviour.truthful().withKiss("DENY")
                : ServerBehaviour.truthful()); // 127.0.21.2 refuses us; 127.0.21.5 is the spare
        names.put("pool.test", List.of("127.0.21.1", "127.0.21.2", "127.0.21.3", "127.0.21.4", "127.0.21.5"));
        deploy(new JsonObject().put("pools", new JsonArray().add(new JsonObject().put("name", "pool.test:" + port))));
        String member = "pool.test:" + port + "#1";
        waitFor(10_000, () -> !addressesOf(member).isEmpty());

        assertThat(addressesOf(member)).containsExactly("127.0.21.5:" + port);
        assertThat(servers.get(1).requestCount()).as("the kissing server, asked once").isEqualTo(1);
        Thread.sleep(2_500);
        assertThat(servers.get(1).requestCount()).isEqualTo(1);
        assertThat(samples.stream().filter(s -> s.source().equals(member)).count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aNameThatResolvesToANewAddressMovesThereKeepingItsHistory() throws Exception {
        int port = serve(2, i -> false);
        names.put("moving.test", List.of("127.0.21.1"));
        deploy(new JsonObject().put("sources", new JsonArray().add("moving.test:" + port)));
        String source = "moving.test:" + port;
        waitFor(10_000, () -> samples.stream().filter(s -> s.source().equals(source)).count() >= 3);
        SourceSample before = samples.get(samples.size() - 1);
        assertThat(before.address()).isEqualTo("127.0.21.1:" + port);

        names.put("moving.test", List.of("127.0.21.2"));
        waitFor(10_000, () -> addressesOf(source).size() == 2);
        SourceSample moved = samples.stream().filter(s -> s.address().equals("127.0.21.2:" + port)).findFirst()
                .orElseThrow();
        // The first sample from the new address continues the reach register and the clock filter.
        assertThat(moved.filter().stages()).isGreaterThan(before.filter().stages());
        assertThat(Integer.bitCount(moved.reach())).isGreaterThan(Integer.bitCount(before.reach()) - 1).isGreaterThan(1);
        assertThat(servers.get(1).requestCount()).isPositive();
    }
}
