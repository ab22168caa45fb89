package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapInterceptor;
import io.timemesh.core.message.SourceSample;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link SamplerHandoverTest}'s cases on a Vert.x clustered by a real (one-member, loopback) Hazelcast, so that the
 * claims go through {@link HazelcastClaimMap}'s entry processors rather than one compare-and-set each.
 */
class SamplerHandoverOnHazelcastTest extends SamplerHandoverTest {
    private HazelcastClusterManager cluster;

    @Override
    Vertx newVertx() {
        Config config = new Config();
        config.setClusterName("handover-" + UUID.randomUUID());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
                .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(5701).setPortAutoIncrement(true).setPortCount(100);
        network.getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
        network.getJoin().getMulticastConfig().setEnabled(false);
        network.getJoin().getAutoDetectionConfig().setEnabled(false);
        network.getJoin().getTcpIpConfig().setEnabled(true).setMembers(List.of());
        return Vertx.builder().with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")
                .setPort(0))).withClusterManager(cluster = new HazelcastClusterManager(config)).buildClustered()
                .await();
    }

    /** Refuses every put of a value node-b sealed into the map it is added to: node-b cannot write its lease. */
    private static final class RefuseNodeB implements MapInterceptor {
        @Override
        public Object interceptGet(Object value) {
            return null;
        }

        @Override
        public void afterGet(Object value) {
        }

        @Override
        public Object interceptPut(Object oldValue, Object newValue) {
            if (String.valueOf(newValue).contains("\"from\":\"node-b\"")) {
                throw new IllegalStateException("the test refuses node-b's puts");
            }
            return null;
        }

        @Override
        public void afterPut(Object value) {
        }

        @Override
        public Object interceptRemove(Object removedValue) {
            return null;
        }

        @Override
        public void afterRemove(Object value) {
        }
    }

    /**
     * Runs node-b's sampler on {@code source} until three polls answered, then refuses its lease writes until it has
     * paused (its lease gone from the map, no sample for 2.5 s), runs {@code meanwhile}, lets it write again, and
     * returns its first sample after that.
     */
    private SourceSample pausedAndBack(String source, Runnable meanwhile) throws Exception {
        firstSample(source);
        await().atMost(Duration.ofSeconds(15))
                .until(() -> Integer.bitCount(samples.get(samples.size() - 1).reach()) >= 3);
        IMap<Object, Object> leases = cluster.getHazelcastInstance().getMap(SamplerVerticle.SAMPLERS_MAP);
        String refusing = leases.addInterceptor(new RefuseNodeB());
        await().atMost(Duration.ofSeconds(15)).until(() -> !leases.containsKey("node-b")); // its lease lapsed
        awaitNoSampleFor(Duration.ofMillis(2_500), Duration.ofSeconds(15));
        meanwhile.run();
        int before = samples.size();
        leases.removeInterceptor(refusing);
        await().atMost(Duration.ofSeconds(15)).until(() -> samples.size() > before);
        SourceSample back = samples.get(before);
        assertThat(back.samplerNode()).isEqualTo("node-b");
        return back;
    }

    /**
     * A sampler that cannot renew its lease for longer than it lasts stops polling (another may take its sources);
     * when it can again and takes them back with its claims still in the map (nobody took them), it continues its
     * own pollers' states rather than starting afresh, and counts no replay of its own claims.
     */
    @Test
    void aSamplerThatPausedContinuesItsOwnStateWhenItTakesItsSourceBack() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.64", TRUTH,
                ServerBehaviour.truthful())) {
            SourceSample back = pausedAndBack(server.hostPort(), () -> { });
            assertThat(Integer.bitCount(back.reach())).as("its register continued (a fresh one is 1): %s",
                    Integer.toBinaryString(back.reach())).isGreaterThanOrEqualTo(3);
            assertThat(taker.rejections()).as("no attack to count").isEmpty();
        }
    }

    /**
     * Another sampler held the source during the pause and let it go (as when it took the source and an uninvited
     * member put our claim back): its let-go state is newer than ours and is continued instead.
     */
    @Test
    void aSourceLetGoByAnotherDuringThePauseContinuesFromItsState() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.65", TRUTH,
                ServerBehaviour.truthful())) {
            String source = server.hostPort();
            SourceSample back = pausedAndBack(source,
                    () -> letGoBy(MeshAuth.keyed("node-a", KEY, TRUTH), source, false, 0b0000_1111));
            assertThat(back.reach()).as("node-a's register, shifted, with this poll").isEqualTo(0b0001_1111);
        }
    }

    /** Waits until no sample arrived for {@code quiet}, failing after {@code atMost}. */
    private void awaitNoSampleFor(Duration quiet, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        int seen = samples.size();
        long changed = System.nanoTime();
        while (System.nanoTime() - changed < quiet.toNanos()) {
            assertThat(System.nanoTime()).as("samples stop within %s", atMost).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(100);
            if (samples.size() != seen) {
                seen = samples.size();
                changed = System.nanoTime();
            }
        }
    }
}
