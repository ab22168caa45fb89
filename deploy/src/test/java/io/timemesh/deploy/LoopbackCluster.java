package io.timemesh.deploy;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

/** Real Hazelcast members on 127.0.0.1 joined by TCP-IP under a cluster name of the test's own. */
final class LoopbackCluster implements AutoCloseable {
    final String name = "test-" + UUID.randomUUID();
    final List<Integer> ports;
    private final List<Vertx> members = new ArrayList<>();

    LoopbackCluster(int size) throws IOException {
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            free.add(freeTcpPort());
        }
        ports = List.copyOf(free);
    }

    List<String> memberList() {
        return ports.stream().map(p -> "127.0.0.1:" + p).toList();
    }

    /** Starts member {@code i} (they may start in any order, the others find it). */
    Vertx start(int i) {
        VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0));
        Vertx vertx = Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(
                ClusterConfigs.tcpIp(name, "127.0.0.1", ports.get(i), memberList()))).buildClustered().await();
        members.add(vertx);
        return vertx;
    }

    List<Vertx> startAll() {
        return IntStream.range(0, ports.size()).mapToObj(this::start).toList();
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (Vertx vertx : members) {
            try {
                vertx.close().await();
            } catch (RuntimeException e) {
                // already closed by the test
            }
        }
    }
}
