package io.timemesh.deploy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Hazelcast configurations for the nodes. */
public final class ClusterConfigs {
    private ClusterConfigs() {}

    /**
     * Failure detection tuned for a selector takeover within 5 s: a heartbeat every second and a
     * member declared dead after 3 s without one (Hazelcast's default is 60 s). The cost: a node that
     * stalls for 3 s (a long GC pause, an overloaded host) is dropped and must rejoin, and heartbeat
     * traffic is sent every second instead of every five.
     */
    static final String HEARTBEAT_INTERVAL_SECONDS = "1";
    static final String MAX_NO_HEARTBEAT_SECONDS = "3";
    /**
     * Split-brain merges first tried 5 s after start and every 5 s after (Hazelcast: 300 s, then 120 s), so
     * a healed partition or a member that stalled past the heartbeat timeout is one cluster again within
     * seconds, and with it one selector lease.
     */
    static final String MERGE_DELAY_SECONDS = "5";
    /**
     * Off: Hazelcast's own metrics (collected every 5 s for its Management Center and JMX, neither of which a node
     * uses; the node's metrics are Vert.x's and its own) and its health monitor's log lines. Together about a
     * quarter of an idle member's Hazelcast CPU (issue 14, four idle members in one JVM: 3.0 to 2.1 % of a core).
     */
    static final String METRICS_ENABLED = "false";
    static final String HEALTH_MONITORING_LEVEL = "OFF";
    /**
     * A member's footprint, for a cluster of a few members holding a few small maps (issue 14: a member was
     * 154 MiB resident idle against a single node's 106): one thread each where Hazelcast sizes its pools for
     * large clusters (event delivery 5, network input and output 3 each, generic operations and responses 2).
     * The partition count stays Hazelcast's 271: a member whose count differs is refused by the cluster and
     * shuts down, so changing it would stop nodes from being upgraded one at a time (and it saved under 1 MiB).
     */
    static final Map<String, String> FOOTPRINT = Map.of(
            "hazelcast.event.thread.count", "1",
            "hazelcast.io.input.thread.count", "1",
            "hazelcast.io.output.thread.count", "1",
            "hazelcast.operation.generic.thread.count", "1",
            "hazelcast.operation.response.thread.count", "1");

    /**
     * A member of a real cluster: TCP-IP join to {@code members}, bound to {@code host}:{@code port} and no
     * other port. Moving to the next port when this one is taken would leave the member where the others
     * do not look for it, first trying for some 20 s to join whatever holds its port (issue 13 §6).
     */
    public static Config tcpIp(String clusterName, String host, int port, List<String> members) {
        Config config = loopback(clusterName, members);
        config.setProperty("hazelcast.heartbeat.interval.seconds", HEARTBEAT_INTERVAL_SECONDS);
        config.setProperty("hazelcast.max.no.heartbeat.seconds", MAX_NO_HEARTBEAT_SECONDS);
        config.setProperty("hazelcast.merge.first.run.delay.seconds", MERGE_DELAY_SECONDS);
        config.setProperty("hazelcast.merge.next.run.delay.seconds", MERGE_DELAY_SECONDS);
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setInterfaces(List.of(host));
        return config;
    }

    /** A Hazelcast XML file (a cluster.xml, a Kubernetes join), with the failure detection above unless it sets its own. */
    public static Config fromFile(Path file) {
        try {
            Config config = new XmlConfigBuilder(file.toString()).build();
            config.getProperties().putIfAbsent("hazelcast.heartbeat.interval.seconds", HEARTBEAT_INTERVAL_SECONDS);
            config.getProperties().putIfAbsent("hazelcast.max.no.heartbeat.seconds", MAX_NO_HEARTBEAT_SECONDS);
            config.getProperties().putIfAbsent("hazelcast.merge.first.run.delay.seconds", MERGE_DELAY_SECONDS);
            config.getProperties().putIfAbsent("hazelcast.merge.next.run.delay.seconds", MERGE_DELAY_SECONDS);
            config.getProperties().putIfAbsent("hazelcast.phone.home.enabled", "false");
            config.getProperties().putIfAbsent("hazelcast.metrics.enabled", METRICS_ENABLED);
            config.getProperties().putIfAbsent("hazelcast.health.monitoring.level", HEALTH_MONITORING_LEVEL);
            // Only the interfaces the file names: Hazelcast otherwise listens on every address.
            config.getProperties().putIfAbsent("hazelcast.socket.bind.any", "false");
            FOOTPRINT.forEach(config.getProperties()::putIfAbsent);
            return config;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read Hazelcast config " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A member that only ever talks on loopback: no multicast, no cloud auto-detection, no
     * phone-home, and TCP-IP join to {@code members} (none: a cluster of one that looks for no
     * peers). Vert.x's own maps configured as its default cluster.xml configures them, built here rather than
     * read from that file: parsing and validating XML loads some 550 classes (the JDK's Xerces and XPath) that
     * stay loaded, 4-5 MiB of a member's metaspace.
     */
    public static Config loopback(String clusterName, List<String> members) {
        Config config = new Config();
        config.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
                .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
        config.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
        config.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
        config.setClusterName(clusterName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.metrics.enabled", METRICS_ENABLED);
        config.setProperty("hazelcast.health.monitoring.level", HEALTH_MONITORING_LEVEL);
        // Listen on the configured interface alone (loopback, or --cluster-host), not on every address.
        config.setProperty("hazelcast.socket.bind.any", "false");
        FOOTPRINT.forEach(config::setProperty);
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
