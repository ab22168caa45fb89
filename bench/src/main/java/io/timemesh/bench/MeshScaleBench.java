package io.timemesh.bench;

import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SourceFarm;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A mesh of many nodes (issue 14): for each size, that many nodes cluster on loopback under one key, poll the same
 * five simulated servers, and serve time. Each node is its own Vert.x, Hazelcast member and verticles; up to
 * {@code nodes per JVM} of them share a JVM ({@link MeshHost}), so that 16 nodes do not need 16 JVMs' idle CPU on
 * 2 cores, while a message between any two still crosses the cluster event bus. Node 0 starts first, alone in its
 * JVM, and takes the selector lease, so the selector node's CPU is its process's. Once every node is SYNCHRONIZED,
 * after a minute's warm-up each is asked once a second for what the selector→node timebase hop added to each side
 * of the reference it applied ({@code /status} {@code mesh.hopSeconds}). Prints, per size: the hop's median and
 * 90th percentile over every non-selector node and second, the selector node's CPU and the other nodes' mean CPU
 * (share of one core); then the hop at the largest size against the target, at most twice the hop at 3 nodes.
 * With {@code macs off} the mesh runs with {@code --insecure-cluster} instead of a key, so the same run's hop
 * with and without the MACs can be set side by side.
 * Usage: {@code MeshScaleBench [sizes, e.g. 3,8,16] [seconds] [work directory] [nodes per JVM, default 4]
 * [macs on|off, default on]}.
 */
public final class MeshScaleBench {
    private static final int FARM_SUBNET = 5;
    private static final int FARM_PORT = 11970;
    private static final int SOURCES = 5;
    /**
     * From every node SYNCHRONIZED to the measurement: links warm, leadership settled after the joins, and the JIT
     * done with the per-second paths. Four idle nodes in one JVM spent 14 % of a core compiling 15–45 s after they
     * synchronised and 2.5 % at 75–105 s (of 21 % and 10 % in all), so a shorter wait measures the JIT.
     */
    private static final int WARM_UP_SECONDS = 60;
    private static final Path JAR = Path.of("deploy", "target", "timemesh.jar");
    /**
     * Ports below the kernel's ephemeral range (32768 up here), so that no node's own outgoing connection can take
     * one between choosing it and binding it, as happened with free ports among 16 starting nodes; offset by the
     * process id so that two runs do not meet.
     */
    private static final int PORT_BASE = 20_000 + (int) (ProcessHandle.current().pid() % 100) * 64;

    private MeshScaleBench() {}

    /**
     * One size's figures: the hop in seconds (median, p90), CPU shares of one core, and the machine's 1-minute load
     * average as the measurement ended.
     */
    record Figures(int nodes, double hopMedian, double hopP90, double selectorCpu, double otherCpu, int readings,
                   String load) {}

    public static void main(String[] args) throws Exception {
        int[] sizes = Arrays.stream((args.length > 0 ? args[0] : "3,8,16").split(",")).mapToInt(Integer::parseInt).toArray();
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Path work = Files.createDirectories(args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("mesh-scale-"));
        Path key = work.resolve("cluster.key");
        Files.deleteIfExists(key);
        Process keygen = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toString(), "cluster-key", key.toString()).inheritIO().start();
        if (keygen.waitFor() != 0) {
            throw new IOException("cluster-key exited with " + keygen.exitValue());
        }
        int perJvm = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        boolean macs = args.length <= 4 || !args[4].equals("off");
        List<Figures> all = new ArrayList<>();
        try (SourceFarm farm = new SourceFarm(SOURCES, FARM_SUBNET, FARM_PORT, NodeProcess::systemNanos,
                ServerBehaviour.truthful())) {
            Path config = work.resolve("node.json");
            Files.writeString(config, new JsonObject().put("sources", new JsonArray(farm.hostPorts())).put("pollSeconds", 1)
                    .encode());
            for (int size : sizes) {
                all.add(measure(size, perJvm, seconds, work, config, macs ? key : null));
            }
        }
        report(all, seconds, perJvm, macs);
    }

    /** @param key the cluster key file, or null for a mesh without MACs ({@code --insecure-cluster}) */
    private static Figures measure(int size, int perJvm, int seconds, Path work, Path config, Path key) throws Exception {
        if (size < 2 || size > 32) {
            throw new IllegalArgumentException("a mesh of 2 to 32 nodes (its ports), not " + size);
        }
        List<String> members = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            members.add("127.0.0.1:" + (PORT_BASE + 32 + i));
        }
        String cluster = "mesh-scale-" + size + "-" + ProcessHandle.current().pid();
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            nodes.addAll(startJvm(0, 1, size, work, config, key, cluster, members));
            nodes.get(0).awaitSynchronised(Duration.ofSeconds(60));
            for (int first = 1; first < size; first += perJvm) {
                nodes.addAll(startJvm(first, Math.min(perJvm, size - first), size, work, config, key, cluster, members));
            }
            for (NodeProcess node : nodes) {
                node.awaitSynchronised(Duration.ofSeconds(60 + 10L * size));
            }
            TimeUnit.SECONDS.sleep(WARM_UP_SECONDS);
            int selector = selectorIndex(nodes.get(0));
            if (selector != 0) {
                throw new IOException("node-" + selector + " took the selector lease, not node 0 (alone in its JVM)");
            }
            List<Long> jvms = nodes.stream().map(NodeProcess::pid).distinct().toList();
            double[] cpuBefore = new double[jvms.size()];
            for (int j = 0; j < jvms.size(); j++) {
                cpuBefore[j] = ProcessStats.cpuSeconds(jvms.get(j));
            }
            long start = System.nanoTime();
            List<Double> hops = new ArrayList<>();
            for (int s = 0; s < seconds; s++) {
                long second = System.nanoTime();
                for (int i = 0; i < size; i++) {
                    if (i == selector) {
                        continue;
                    }
                    JsonObject mesh = new JsonObject(nodes.get(i).get("/status?decisions=0")).getJsonObject("mesh");
                    Double hop = mesh == null ? null : mesh.getDouble("hopSeconds");
                    if (hop != null) {
                        hops.add(hop);
                    }
                }
                TimeUnit.NANOSECONDS.sleep(Math.max(0, TimeUnit.SECONDS.toNanos(1) - (System.nanoTime() - second)));
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            double selectorCpu = (ProcessStats.cpuSeconds(jvms.get(0)) - cpuBefore[0]) / elapsed;
            double otherCpu = 0;
            for (int j = 1; j < jvms.size(); j++) {
                otherCpu += (ProcessStats.cpuSeconds(jvms.get(j)) - cpuBefore[j]) / elapsed / (size - 1);
            }
            if (selectorIndex(nodes.get(0)) != selector) {
                throw new IOException("the selector moved during the measurement at " + size + " nodes");
            }
            double[] sorted = hops.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            if (sorted.length == 0) {
                throw new IOException("no node reported a timebase hop at " + size + " nodes");
            }
            Figures figures = new Figures(size, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.9)],
                    selectorCpu, otherCpu, sorted.length, ProcessStats.loadAverage());
            System.out.printf(Locale.ROOT, "%d nodes: hop median %.1f µs, p90 %.1f µs (%d readings); selector node "
                            + "CPU %.1f %%, other nodes %.1f %% each; load average %s%n", size, figures.hopMedian() * 1e6,
                    figures.hopP90() * 1e6, figures.readings(), selectorCpu * 100, otherCpu * 100, figures.load());
            return figures;
        } finally {
            for (NodeProcess node : nodes) {
                node.close();
            }
        }
    }

    /** Nodes {@code first} to {@code first + count - 1} of the mesh in one JVM; their handles in that order. */
    private static List<NodeProcess> startJvm(int first, int count, int size, Path work, Path config, Path key,
                                              String cluster, List<String> members) throws IOException {
        List<Integer> httpPorts = new ArrayList<>();
        List<List<String>> options = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            httpPorts.add(PORT_BASE + i);
            List<String> keying = key == null ? List.of("--insecure-cluster") : List.of("--cluster-key", key.toString());
            options.add(Stream.concat(Stream.of("--config", config.toString(), "--cluster"),
                    Stream.concat(keying.stream(), Stream.of("--cluster-name", cluster, "--members", String.join(",", members), "--cluster-host", "127.0.0.1",
                    "--cluster-port", String.valueOf(PORT_BASE + 32 + i), "--node-name", "node-" + i))).toList());
        }
        return NodeProcess.inOneJvm(httpPorts, work.resolve("jvm-" + size + "-" + first + ".log"), options);
    }

    /** Which node (by index in its name, node-i/incarnation) answers as selector, as {@code node} sees it. */
    private static int selectorIndex(NodeProcess node) throws IOException, InterruptedException {
        JsonObject selection = new JsonObject(node.get("/status?decisions=0")).getJsonObject("selection");
        String name = selection == null ? null : selection.getString("selectorNode");
        if (name == null || !name.startsWith("node-")) {
            throw new IOException("no selector answers: " + selection);
        }
        return Integer.parseInt(name.substring("node-".length(), name.indexOf('/')));
    }

    private static void report(List<Figures> all, int seconds, int perJvm, boolean macs) {
        Figures base = all.get(0);
        System.out.printf(Locale.ROOT, "%nA mesh of many nodes: %d s measured per size, five simulated servers polled "
                        + "each second, the selector's node alone in its JVM and the others %d to a JVM, MACs %s, on this "
                        + "machine (%d cores)%n", seconds, perJvm, macs ? "on" : "off (--insecure-cluster)",
                Runtime.getRuntime().availableProcessors());
        System.out.println("| nodes | timebase hop, median (µs) | p90 (µs) | ÷ the hop at " + base.nodes() + " nodes "
                + "| selector node CPU | other nodes' CPU, each | load average |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Figures f : all) {
            System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.2f | %.1f %% | %.1f %% | %s |%n", f.nodes(),
                    f.hopMedian() * 1e6, f.hopP90() * 1e6, f.hopMedian() / base.hopMedian(), f.selectorCpu() * 100,
                    f.otherCpu() * 100, f.load());
        }
        for (Figures f : macs ? all : List.<Figures>of()) { // the summary's rows are the default mesh's
            Summary.row("mesh", String.format(Locale.ROOT, "%d nodes: timebase hop (median) / selector node CPU",
                            f.nodes()), String.format(Locale.ROOT, "%.1f µs / %.1f %%", f.hopMedian() * 1e6, f.selectorCpu() * 100),
                    String.format(Locale.ROOT, "%.1f µs at %d nodes", base.hopMedian() * 1e6, base.nodes()),
                    String.format(Locale.ROOT, "%.2f", f.hopMedian() / base.hopMedian()),
                    f == all.get(all.size() - 1) && f != base ? "hop ≤ 2× the hop at " + base.nodes() : "",
                    f.hopMedian() <= 2 * base.hopMedian());
        }
    }
}
