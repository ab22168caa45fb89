package io.timemesh.deploy;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/** Real Hazelcast members on 127.0.0.1 joined by TCP-IP under a cluster name of the test's own. */
final class LoopbackCluster implements AutoCloseable {
    /**
     * Ports {@link #freeTcpPort} hands out: below Linux's ephemeral range (32768–60999), from which the kernel
     * gives every bind(0) and connect() a port, so a port picked here and bound seconds later by a node
     * process is not taken in between by an outgoing connection or another listener of port 0.
     */
    private static final int FIRST_PORT = 20_000;
    private static final int PORTS = 12_000;
    /** The next candidate; a random start, so test JVMs one after the other rarely reuse a port in TIME_WAIT. */
    private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(PORTS));
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

    /**
     * A TCP port nobody holds now, for a listener (a Hazelcast member, a node's HTTP) that binds it later, or for
     * a connection that must be refused: each call gives another port (see {@link #FIRST_PORT}).
     *
     * @throws IOException if 200 candidates in a row were held
     */
    static int freeTcpPort() throws IOException {
        for (int tries = 0; tries < 200; tries++) {
            int port = FIRST_PORT + Math.floorMod(NEXT.getAndIncrement(), PORTS);
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false); // as strict as a listener without SO_REUSEADDR
                socket.bind(new InetSocketAddress(port), 1); // the wildcard address: held on any address is held
                return port;
            } catch (BindException held) {
                // next candidate
            }
        }
        throw new IOException("no free TCP port among 200 from " + FIRST_PORT + " to " + (FIRST_PORT + PORTS - 1));
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
