package io.timemesh.deploy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.util.List;

/** Hazelcast configurations for the nodes. */
public final class ClusterConfigs {
    private ClusterConfigs() {}

    /**
     * A member that only ever talks on loopback: no multicast, no cloud auto-detection, no
     * phone-home, and TCP-IP join to {@code members} (none: a cluster of one that looks for no
     * peers). Built on Vert.x's default config so its __vertx.* maps stay.
     */
    public static Config loopback(String clusterName, List<String> members) {
        Config config = ConfigUtil.loadConfig();
        config.setClusterName(clusterName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(5701).setPortAutoIncrement(true).setPortCount(100);
        network.getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(!members.isEmpty()).setMembers(members);
        return config;
    }
}
