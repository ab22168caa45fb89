package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.MultiMapConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped Hazelcast files parse, and the generated configs talk only where they are told. */
class ClusterConfigsTest {

    @Test
    void shippedTcpIpClusterXmlParses() {
        Config config = ClusterConfigs.fromFile(Path.of("cluster", "cluster.xml"));
        assertThat(config.getClusterName()).isEqualTo("timemesh");
        assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isTrue();
        assertThat(config.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
        assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("3");
    }

    @Test
    void shippedKubernetesConfigParses() {
        Config config = ClusterConfigs.fromFile(Path.of("kubernetes", "hazelcast.xml"));
        assertThat(config.getNetworkConfig().getJoin().getKubernetesConfig().isEnabled()).isTrue();
        assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    }

    @Test
    void singleNodeLooksForNoPeersAndClusterNodesUseTheirMembers() {
        Config single = ClusterConfigs.loopback("x", List.of());
        assertThat(single.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isFalse();
        assertThat(single.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
        Config member = ClusterConfigs.tcpIp("x", "127.0.0.1", 5801, List.of("127.0.0.1:5801", "127.0.0.1:5802"));
        assertThat(member.getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
                .containsExactly("127.0.0.1:5801", "127.0.0.1:5802");
        assertThat(member.getNetworkConfig().getPort()).isEqualTo(5801);
        assertThat(member.getNetworkConfig().isPortAutoIncrement()).isFalse();
        // Not on the default port either: a member that moved to 5702 would first try for some 20 s to join
        // whatever holds 5701, then sit where its peers do not look (issue 13 §6).
        assertThat(ClusterConfigs.tcpIp("x", "127.0.0.1", 5701, List.of("127.0.0.1")).getNetworkConfig()
                .isPortAutoIncrement()).isFalse();
    }

    /** Hazelcast's metrics and health monitor cost an idle member CPU for nothing a node reads (issue 14). */
    @Test
    void membersCollectNoHazelcastMetricsUnlessTheirFileAsks() throws Exception {
        for (Config config : List.of(ClusterConfigs.tcpIp("x", "127.0.0.1", 5801, List.of("127.0.0.1")),
                ClusterConfigs.fromFile(Path.of("cluster", "cluster.xml")))) {
            assertThat(config.getProperty("hazelcast.metrics.enabled")).isEqualTo("false");
            assertThat(config.getProperty("hazelcast.health.monitoring.level")).isEqualTo("OFF");
        }
        assertThat(withOwnProperty("hazelcast.metrics.enabled", "true")).isEqualTo("true");
    }

    /** The value {@code name} ends with in a config read from cluster.xml with that property set to {@code value}. */
    private static String withOwnProperty(String name, String value) throws Exception {
        Path file = Files.createTempFile("hazelcast", ".xml");
        try {
            Files.writeString(file, Files.readString(Path.of("cluster", "cluster.xml")).replace("<properties>",
                    "<properties><property name=\"" + name + "\">" + value + "</property>"));
            return ClusterConfigs.fromFile(file).getProperty(name);
        } finally {
            Files.delete(file);
        }
    }

    /**
     * A member's footprint (issue 14): Vert.x's maps configured as its default cluster.xml would, without parsing
     * XML; Hazelcast's thread pools for a small cluster, in every generated config and in a file that does not set
     * its own; the partition count left at Hazelcast's, so that members of the last version and this one can join.
     */
    @Test
    void membersKeepVertxMapsAndASmallFootprint() throws Exception {
        Config member = ClusterConfigs.tcpIp("x", "127.0.0.1", 5801, List.of("127.0.0.1"));
        assertThat(member.getMultiMapConfig("__vertx.subs").getBackupCount()).isEqualTo(1);
        assertThat(member.getMultiMapConfig("__vertx.subs").getValueCollectionType())
                .isEqualTo(MultiMapConfig.ValueCollectionType.SET);
        assertThat(member.getMapConfig("__vertx.haInfo").getBackupCount()).isEqualTo(1);
        assertThat(member.getMapConfig("__vertx.nodeInfo").getBackupCount()).isEqualTo(1);
        assertThat(member.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
        for (Config config : List.of(member, ClusterConfigs.fromFile(Path.of("cluster", "cluster.xml")),
                ClusterConfigs.fromFile(Path.of("kubernetes", "hazelcast.xml")))) {
            ClusterConfigs.FOOTPRINT.forEach((name, value) -> assertThat(config.getProperty(name)).as(name).isEqualTo(value));
            assertThat(config.getProperty("hazelcast.partition.count")).isNull();
        }
        assertThat(withOwnProperty("hazelcast.event.thread.count", "5")).isEqualTo("5");
    }

    @Test
    void badFilesAndRolesAreRefusedByName() {
        assertThatThrownBy(() -> ClusterConfigs.fromFile(Path.of("no-such.xml"))).hasMessageContaining("no-such.xml");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("roles", new JsonArray().add("oracle"))))
                .hasMessageContaining("'roles[0]' must be one of \"sampler\", \"selector\", \"discipline\", \"api\", "
                        + "was \"oracle\"");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("roles", new JsonArray().add("api"))))
                .hasMessageContaining("needs role 'discipline'");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("cluster", new JsonObject().put("memebers", 1))))
                .hasMessageContaining("cluster.memebers");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("pollSeconds", 0))).hasMessageContaining("pollSeconds");
        assertThatThrownBy(() -> new NodeConfig(new JsonObject().put("colour", "red"))).hasMessageContaining("'colour'");
    }
}
