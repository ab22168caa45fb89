package io.timemesh.deploy;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.settings.SettingException;
import io.timemesh.core.settings.Whole;
import io.vertx.core.eventbus.EventBusOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * How a node joins a cluster of several: the config section {@code "cluster"} (options {@code --cluster},
 * {@code --members}, ...), bound and checked by {@link io.timemesh.core.settings.Settings}.
 *
 * @param members         Hazelcast members to join by TCP-IP, "host:port"; none: this node's host
 * @param host            Hazelcast's bind address
 * @param port            Hazelcast's port (a taken port fails the start)
 * @param busHost         the event bus's bind address, or null for {@code host}
 * @param busPort         the event bus's port (0: any free port)
 * @param hazelcastConfig a Hazelcast XML file (cluster.xml, Kubernetes join) instead of the settings above, or null
 * @param keyFile         the key every member shares, or null with {@code insecure}
 * @param insecure        run without a key: any process that reaches the port can then move the cluster's time
 * @param tls             TLS with mutual authentication on the event bus ({@code cluster.tls}), or null for none
 * @throws SettingException when both or neither of {@code keyFile} and {@code insecure} are given, or the key file
 *                          is missing, unreadable or too short
 */
public record ClusterSettings(List<String> members, String host, @Whole(min = 0, max = 65_535) int port, String busHost,
                              @Whole(min = 0, max = 65_535) int busPort, Path hazelcastConfig, Path keyFile,
                              boolean insecure, ClusterTls tls) {

    /** Loopback, Hazelcast's port 5701, any event-bus port, no TLS; a key must still be given. */
    public static final ClusterSettings DEFAULTS = new ClusterSettings(List.of(), "127.0.0.1", 5701, null, 0, null, null,
            false, null);

    public ClusterSettings {
        members = List.copyOf(members);
        if (keyFile != null && insecure) {
            throw SettingException.rule("keyFile", "and 'cluster.insecure' exclude each other");
        }
        if (keyFile != null) {
            try {
                ClusterKey.read(keyFile);
            } catch (IllegalArgumentException e) {
                throw SettingException.of("keyFile", e.getMessage());
            }
        }
    }

    /**
     * A cluster's members authenticate each other's messages with a shared key: a cluster without one is refused
     * unless it is declared insecure.
     *
     * @throws SettingException when neither is given
     */
    void checkKeyed() {
        if (keyFile == null && !insecure) {
            throw SettingException.rule("keyFile", "is missing: a cluster needs a key that every member shares, or "
                    + "anyone who can reach its port can move its time: make one with 'timemesh cluster-key FILE', copy "
                    + "it to every member and give it with --cluster-key FILE (env TIMEMESH_CLUSTER__KEY_FILE); or say "
                    + "--insecure-cluster to run without");
        }
    }

    /** The event bus's options: its bind address ({@code busHost}, else {@code host}), its port and TLS. */
    EventBusOptions eventBus() {
        EventBusOptions bus = new EventBusOptions().setHost(eventBusHost()).setPort(busPort);
        return tls == null ? bus : tls.apply(bus);
    }

    /** The event bus's bind address: {@code busHost}, else {@code host}. */
    public String eventBusHost() {
        return busHost == null ? host : busHost;
    }
}
