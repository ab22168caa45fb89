package io.timemesh.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test hosts of our own: node {@code i} runs in network namespace {@code tmN-i} with two interfaces,
 * one on a cluster network 10.77.N.0/24 (Hazelcast and the event bus) and one on a service network
 * 10.78.N.0/24 (the NTP sources and the HTTP API, reached from this JVM through the service bridge at
 * .254), each a veth pair on a bridge in this namespace. {@link #cut} takes one node's cluster link
 * down, a partition that leaves its sources and its API reachable; {@link #heal} brings it back. Needs
 * root ({@code ip netns}); {@link #available()} says whether this machine can. Everything is removed
 * on {@link #close}.
 */
final class NetworkNamespaces implements NodeProcesses.Placement, AutoCloseable {
    private static final int CLUSTER_PORT = 5701;
    private final String tag;
    private final int subnet;
    private final int nodes;

    private NetworkNamespaces(int subnet, int nodes) {
        this.subnet = subnet;
        this.nodes = nodes;
        this.tag = "tm" + subnet;
    }

    /** Whether network namespaces can be made here (root and iproute2), with the reason when not. */
    static String unavailableBecause() {
        String probe = "tmprobe" + ProcessHandle.current().pid();
        try {
            String failed = ip("netns", "add", probe);
            if (failed != null) {
                return "cannot create a network namespace: " + failed;
            }
            ip("netns", "del", probe);
            return null;
        } catch (IOException e) {
            return "cannot run ip: " + e.getMessage();
        }
    }

    /** Creates {@code nodes} hosts; {@code subnet} (1..250) keeps concurrent runs apart. */
    static NetworkNamespaces create(int subnet, int nodes) throws IOException {
        NetworkNamespaces net = new NetworkNamespaces(subnet, nodes);
        try {
            net.must("link", "add", net.tag + "c", "type", "bridge");
            net.must("link", "set", net.tag + "c", "up");
            net.must("link", "add", net.tag + "s", "type", "bridge");
            net.must("addr", "add", net.serviceGateway() + "/24", "dev", net.tag + "s");
            net.must("link", "set", net.tag + "s", "up");
            for (int i = 0; i < nodes; i++) {
                String ns = net.namespace(i);
                net.must("netns", "add", ns);
                net.must("-n", ns, "link", "set", "lo", "up");
                net.link(i, "c", net.clusterHost(i));
                net.link(i, "s", net.serviceHost(i));
            }
        } catch (IOException e) {
            net.close();
            throw e;
        }
        return net;
    }

    /** A veth pair from node {@code i}'s namespace to bridge {@code kind}, with {@code address} inside. */
    private void link(int i, String kind, String address) throws IOException {
        String outside = tag + kind + i;
        String inside = tag + kind + i + "n";
        must("link", "add", outside, "type", "veth", "peer", "name", inside);
        must("link", "set", inside, "netns", namespace(i));
        must("link", "set", outside, "master", tag + kind, "up");
        must("-n", namespace(i), "addr", "add", address + "/24", "dev", inside);
        must("-n", namespace(i), "link", "set", inside, "up");
    }

    /** The address the simulated sources listen on, which every node reaches over the service network. */
    String serviceGateway() {
        return "10.78." + subnet + ".254";
    }

    private String namespace(int i) {
        return tag + "-" + i;
    }

    /** Node {@code i} loses the cluster network: a partition. */
    void cut(int i) throws IOException {
        must("link", "set", tag + "c" + i, "down");
    }

    void heal(int i) throws IOException {
        must("link", "set", tag + "c" + i, "up");
    }

    @Override
    public List<String> prefix(int i) {
        return List.of("ip", "netns", "exec", namespace(i));
    }

    @Override
    public String clusterHost(int i) {
        return "10.77." + subnet + "." + (i + 1);
    }

    @Override
    public int clusterPort(int i) {
        return CLUSTER_PORT;
    }

    @Override
    public String serviceHost(int i) {
        return "10.78." + subnet + "." + (i + 1);
    }

    @Override
    public void close() {
        for (int i = 0; i < nodes; i++) {
            quietly("netns", "del", namespace(i)); // takes its veth ends, and so their peers, with it
        }
        quietly("link", "del", tag + "c");
        quietly("link", "del", tag + "s");
    }

    private void must(String... args) throws IOException {
        String failed = ip(args);
        if (failed != null) {
            throw new IOException("ip " + String.join(" ", args) + ": " + failed);
        }
    }

    private static void quietly(String... args) {
        try {
            ip(args);
        } catch (IOException e) {
            // cleaning up what may not exist
        }
    }

    /** Runs ip; null when it succeeded, else what it said. */
    private static String ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            return process.waitFor() == 0 ? null : output.isEmpty() ? "exit " + process.exitValue() : output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
