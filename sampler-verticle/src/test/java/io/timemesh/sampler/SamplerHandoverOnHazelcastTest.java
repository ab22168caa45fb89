package io.timemesh.sampler;

import com.hazelcast.config.Config;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.UUID;

/**
 * {@link SamplerHandoverTest}'s cases on a Vert.x clustered by a real (one-member, loopback) Hazelcast, so that the
 * claims go through {@link HazelcastClaimMap}'s entry processors rather than one compare-and-set each.
 */
class SamplerHandoverOnHazelcastTest extends SamplerHandoverTest {
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
                .setPort(0))).withClusterManager(new HazelcastClusterManager(config)).buildClustered().await();
    }
}
