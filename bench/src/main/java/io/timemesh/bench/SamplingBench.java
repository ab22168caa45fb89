package io.timemesh.bench;

import io.timemesh.core.mesh.ClusterKey;
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
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Sampling at scale. First the curve: one timemesh node polling 100, 1,000 and 5,000 sources each second
 * (and, at 1,000, {@code chronyd -x} polling the same sources the same way), each on this machine in turn.
 * For each: the CPU it used (share of one core), polls that brought no sample (missing bits of every
 * source's reach register), polls per second the sources saw, heap in use and RSS; the single node's /metrics
 * is read every 15 s from its warm-up's start, as Prometheus would (the mesh's nodes are not read). Then a three-node
 * mesh sharing 5,000 sources: CPU per node, then one node that is not the selector killed (SIGKILL) and
 * the time until a survivor has sampled every source it held.
 * Usage: {@code SamplingBench [sources,sources,...] [seconds] [work directory] [mesh sources] [warm-up seconds]};
 * sources 0 runs only the mesh.
 */
public final class SamplingBench {
    private static final int FARM_SUBNET = 1;
    private static final int FARM_PORT = 11930;
    private static final int HTTP_PORT = 18912;
    /** The mesh's nodes: HTTP on 18913…, Hazelcast on 15981…. */
    private static final int MESH_HTTP_PORT = 18913;
    private static final int MESH_CLUSTER_PORT = 15981;
    private static final int MESH_NODES = 3;
    /**
     * From synchronised to the window: long enough for the JIT to have compiled what the node runs, so that the
     * window shows the cost of a node in service. At 1,000 sources the compiler threads were 13.5 % of a core in a
     * window 20 s after synchronising, 2.8–5.4 % at 60 s (still compiling what runs rarely: a selection a second, a
     * scrape every 15 s), 0.1–0.5 % at 300 s. The fifth argument sets another.
     */
    private static final Duration WARM_UP = Duration.ofSeconds(300);
    /** chronyd has no JIT: it waits this long at most, as long as it did before the node's warm-up grew. */
    private static final Duration CHRONYD_WARM_UP = Duration.ofSeconds(60);
    /**
     * How often a node's /metrics is read from its warm-up's start to the window's end, as a Prometheus server would
     * (its default is 1 min).
     */
    private static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(15);
    /** The target: 1,000 sources at 1 s in at most a tenth of a core. */
    private static final int TARGET_SOURCES = 1000;
    private static final double TARGET_CPU_SHARE = 0.10;
    /**
     * A killed sampler's sources move once the cluster drops its member (or else its 3 s lease lapses), are
     * claimed by the survivors and sampled at their first poll, spread over a second: the 5 s.
     */
    private static final double TARGET_MOVE_SECONDS = 5;
    private static final Duration MOVE_LIMIT = Duration.ofSeconds(60);

    private SamplingBench() {}

    /** What one client cost and lost while polling every source. */
    record Figures(double cpuShare, double jitShare, double missingReachBits, double pollsPerSecond, double heapMiB, double rssMiB,
                   String loadAverage) {}

    public static void main(String[] args) throws Exception {
        int[] counts = Arrays.stream((args.length > 0 ? args[0] : "100,1000,5000").split(","))
                .mapToInt(Integer::parseInt).filter(count -> count > 0).toArray();
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        Path work = Files.createDirectories(args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("sampling-"));
        int meshSources = args.length > 3 ? Integer.parseInt(args[3]) : 5000;
        Duration warmUp = args.length > 4 ? Duration.ofSeconds(Integer.parseInt(args[4])) : WARM_UP;
        System.out.printf(Locale.ROOT, "%nSampling: sources polled each second, %d s measured after a %d s warm-up;"
                + " load average (1 min) before and after each window%n", seconds, warmUp.toSeconds());
        System.out.println("| client | sources | CPU (share of one core) | of it, the JIT compiling | polls per second"
                + " | samples lost (missing reach bits, last 8 polls) | heap in use | RSS | load average |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (int count : counts) {
            curvePoint(count, seconds, warmUp, work.resolve("node-" + count), count == TARGET_SOURCES);
        }
        if (meshSources > 0) {
            mesh(meshSources, seconds, warmUp, work.resolve("mesh"));
        }
    }

    /** One node polling {@code count} sources; at the target's count chronyd too, and the summary rows. */
    private static void curvePoint(int count, int seconds, Duration warmUp, Path work, boolean withChronyd) throws Exception {
        Files.createDirectories(work);
        try (SourceFarm farm = farm(count)) {
            Figures timemesh;
            try (NodeProcess node = new NodeProcess(HTTP_PORT, work.resolve("node.log"),
                    List.of("--config", nodeConfig(farm, work).toString()))) {
                node.awaitSynchronised(Duration.ofSeconds(120));
                timemesh = measure(farm, List.of(node.pid()), seconds, warmUp, () -> reach(node), () -> heapMiB(node)).get(0);
            }
            row("timemesh", count, timemesh);
            String what = fmt("%d sources at 1 s: ", count);
            Summary.row("sampling", what + "CPU, share of one core (of it, the JIT)",
                    fmt("%.1f %% (%.1f %%)", timemesh.cpuShare() * 100, timemesh.jitShare() * 100), "", "",
                    count == TARGET_SOURCES ? fmt("≤ %.0f %%", TARGET_CPU_SHARE * 100) : "",
                    timemesh.cpuShare() <= TARGET_CPU_SHARE);
            Summary.row("sampling", what + "samples lost", fmt("%.2f %%", timemesh.missingReachBits() * 100), "", "",
                    "none", timemesh.missingReachBits() == 0);
            Summary.row("sampling", what + "polls per second", fmt("%.0f", timemesh.pollsPerSecond()), "", "",
                    fmt("%d", count), timemesh.pollsPerSecond() >= count * 0.99);
            Summary.row("sampling", what + "heap in use / RSS", fmt("%.0f / %.0f MiB", timemesh.heapMiB(),
                    timemesh.rssMiB()), "", "", "", false);
            if (!withChronyd) {
                return;
            }
            Figures chronyd;
            try (TrackingChronyd chrony = new TrackingChronyd(farm.hostPorts(), work.resolve("chrony"))) {
                Duration chronydWarmUp = warmUp.compareTo(CHRONYD_WARM_UP) < 0 ? warmUp : CHRONYD_WARM_UP;
                chronyd = measure(farm, List.of(chrony.pid()), seconds, chronydWarmUp, chrony::reach, () -> Double.NaN).get(0);
            }
            row("chronyd -x", count, chronyd);
            // chronyd spaces polls of different sources at least 2^(poll−3) s apart: 8 a second at poll 0.
            Summary.row("sampling", what + "chronyd -x: polls per second, CPU, RSS", fmt("%.0f (its cap), %.1f %%, %.0f MiB",
                    chronyd.pollsPerSecond(), chronyd.cpuShare() * 100, chronyd.rssMiB()), "", "", "", false);
        }
    }

    /**
     * Three clustered nodes sharing {@code count} sources: CPU per node while steady, then a node that is
     * not the selector killed, and how long until a survivor has sampled every source it held.
     */
    private static void mesh(int count, int seconds, Duration warmUp, Path work) throws Exception {
        Files.createDirectories(work);
        Path key = work.resolve("cluster.key");
        Files.writeString(key, ClusterKey.generate());
        String cluster = "sampling-bench-" + UUID.randomUUID();
        List<String> members = new ArrayList<>();
        for (int i = 0; i < MESH_NODES; i++) {
            members.add("127.0.0.1:" + (MESH_CLUSTER_PORT + i));
        }
        try (SourceFarm farm = farm(count)) {
            Path config = nodeConfig(farm, work);
            List<NodeProcess> nodes = new ArrayList<>();
            try {
                for (int i = 0; i < MESH_NODES; i++) {
                    nodes.add(new NodeProcess(MESH_HTTP_PORT + i, work.resolve("node-" + i + ".log"), List.of(
                            "--config", config.toString(), "--cluster", "--cluster-key", key.toString(),
                            "--cluster-name", cluster, "--members", String.join(",", members),
                            "--cluster-port", String.valueOf(MESH_CLUSTER_PORT + i), "--node-name", "mesh-" + i)));
                }
                for (NodeProcess node : nodes) {
                    node.awaitSynchronised(Duration.ofSeconds(180));
                }
                NodeProcess asked = nodes.get(0);
                List<Figures> each = measure(farm, nodes.stream().map(NodeProcess::pid).toList(), seconds, warmUp,
                        () -> reach(asked), () -> Double.NaN);
                System.out.printf(Locale.ROOT, "%nThree nodes sharing %d sources, polled each second:%n", count);
                System.out.println("| node | CPU (share of one core) | of it, the JIT compiling | RSS |");
                System.out.println("|---|---|---|---|");
                for (int i = 0; i < MESH_NODES; i++) {
                    System.out.printf(Locale.ROOT, "| mesh-%d | %.1f %% | %.1f %% | %.0f MiB |%n", i,
                            each.get(i).cpuShare() * 100, each.get(i).jitShare() * 100, each.get(i).rssMiB());
                }
                Figures first = each.get(0);
                System.out.printf(Locale.ROOT, "polls per second %.0f, samples lost %.2f %%, load average %s%n",
                        first.pollsPerSecond(), first.missingReachBits() * 100, first.loadAverage());
                double mostCpu = each.stream().mapToDouble(Figures::cpuShare).max().orElseThrow();
                String what = fmt("3 nodes sharing %d sources at 1 s: ", count);
                Summary.row("sampling", what + "CPU per node (least / most)", fmt("%.1f / %.1f %%",
                        each.stream().mapToDouble(Figures::cpuShare).min().orElseThrow() * 100, mostCpu * 100),
                        "", "", "", false);
                Summary.row("sampling", what + "samples lost", fmt("%.2f %%", first.missingReachBits() * 100), "", "",
                        "none", first.missingReachBits() == 0);

                // The victim: a node that is not the selector, so that /sources keeps answering.
                String leader = new JsonObject(asked.get("/status")).getJsonObject("mesh").getString("leader");
                int victim = leader != null && leader.startsWith("mesh-" + (MESH_NODES - 1) + "/") ? MESH_NODES - 2
                        : MESH_NODES - 1;
                NodeProcess survivor = nodes.get(victim == 0 ? 1 : 0);
                String victimName = "mesh-" + victim + "/";
                int held = samplerCount(survivor, victimName);
                long killed = System.nanoTime();
                nodes.get(victim).kill();
                double moved = Double.NaN;
                while (System.nanoTime() - killed < MOVE_LIMIT.toNanos()) {
                    if (samplerCount(survivor, victimName) == 0) {
                        moved = (System.nanoTime() - killed) / 1e9;
                        break;
                    }
                    TimeUnit.MILLISECONDS.sleep(100);
                }
                System.out.printf(Locale.ROOT, "mesh-%d (not the selector, %s) killed holding %d sources: every one "
                        + "sampled by a survivor after %.2f s (target ≤ %.0f s)%n", victim, leader, held, moved,
                        TARGET_MOVE_SECONDS);
                Summary.row("sampling", what + fmt("time for a killed sampler's %d sources to move", held),
                        fmt("%.2f s", moved), "", "", fmt("≤ %.0f s", TARGET_MOVE_SECONDS),
                        moved <= TARGET_MOVE_SECONDS);
            } finally {
                for (NodeProcess node : nodes) {
                    node.close();
                }
            }
        }
    }

    private static SourceFarm farm(int count) throws IOException {
        return new SourceFarm(count, FARM_SUBNET, FARM_PORT, NodeProcess::systemNanos, ServerBehaviour.truthful());
    }

    private static Path nodeConfig(SourceFarm farm, Path work) throws IOException {
        Path config = work.resolve("node.json");
        Files.writeString(config, new JsonObject().put("sources", new JsonArray(farm.hostPorts())).put("pollSeconds", 1)
                .encode());
        return config;
    }

    /** How many sources /sources shows last sampled by a sampler whose name starts with {@code prefix}. */
    private static int samplerCount(NodeProcess node, String prefix) throws Exception {
        JsonArray sources = new JsonArray(node.get("/sources"));
        return (int) sources.stream().filter(s -> String.valueOf(((JsonObject) s).getString("samplerNode"))
                .startsWith(prefix)).count();
    }

    private static List<Integer> reach(NodeProcess node) throws Exception {
        JsonArray sources = new JsonArray(node.get("/sources"));
        return sources.stream().mapToInt(s -> ((JsonObject) s).getInteger("reach")).boxed().toList();
    }

    /**
     * Each process's figures over the same window, {@code seconds} after a {@code warmUp}; samples lost and polls are
     * the whole client's. {@code scrapeHeap} (the node's /metrics, or nothing) is called every
     * {@link #SCRAPE_INTERVAL} on one schedule from the warm-up's start to the window's end (as Prometheus scrapes from a
     * node's start, so that the window does not pay for compiling what a scrape runs), and once after: its heap in use.
     */
    private static List<Figures> measure(SourceFarm farm, List<Long> pids, int seconds, Duration warmUp,
                                         Callable<List<Integer>> reach, Callable<Double> scrapeHeap) throws Exception {
        long nextScrape = scrapeUntil(System.nanoTime() + warmUp.toNanos(), System.nanoTime()
                + SCRAPE_INTERVAL.toNanos(), scrapeHeap);
        String loadBefore = ProcessStats.loadAverage();
        double[] cpuBefore = new double[pids.size()];
        double[] jitBefore = new double[pids.size()];
        for (int i = 0; i < pids.size(); i++) {
            cpuBefore[i] = ProcessStats.cpuSeconds(pids.get(i));
            jitBefore[i] = ProcessStats.compilerCpuSeconds(pids.get(i));
        }
        long requestsBefore = farm.requests();
        long start = System.nanoTime();
        scrapeUntil(start + TimeUnit.SECONDS.toNanos(seconds), nextScrape, scrapeHeap);
        double elapsed = (System.nanoTime() - start) / 1e9;
        double polls = (farm.requests() - requestsBefore) / elapsed;
        List<Figures> figures = new ArrayList<>();
        double[] cpu = new double[pids.size()];
        double[] jit = new double[pids.size()];
        for (int i = 0; i < pids.size(); i++) {
            cpu[i] = (ProcessStats.cpuSeconds(pids.get(i)) - cpuBefore[i]) / elapsed;
            jit[i] = (ProcessStats.compilerCpuSeconds(pids.get(i)) - jitBefore[i]) / elapsed;
        }
        List<Integer> registers = reach.call();
        double missing = registers.stream().mapToInt(r -> 8 - Integer.bitCount(r & 0xFF)).sum() / (8.0 * registers.size());
        String load = loadBefore + " → " + ProcessStats.loadAverage();
        double heapMiB = scrapeHeap.call();
        for (int i = 0; i < pids.size(); i++) {
            figures.add(new Figures(cpu[i], jit[i], missing, polls, heapMiB, ProcessStats.rssMiB(pids.get(i)), load));
        }
        return figures;
    }

    /**
     * Calls {@code scrape} (a node's /metrics, which asks the selector for every source's view) at {@code nextNanos}
     * and every {@link #SCRAPE_INTERVAL} after it until {@code endNanos} ({@link System#nanoTime}).
     *
     * @return when the next scrape is due, after {@code endNanos}
     */
    private static long scrapeUntil(long endNanos, long nextNanos, Callable<Double> scrape) throws Exception {
        for (; nextNanos <= endNanos; nextNanos += SCRAPE_INTERVAL.toNanos()) {
            TimeUnit.NANOSECONDS.sleep(nextNanos - System.nanoTime());
            scrape.call();
        }
        TimeUnit.NANOSECONDS.sleep(endNanos - System.nanoTime());
        return nextNanos;
    }

    /** Heap in use: the sum of the JVM's heap pools in the node's Prometheus text. */
    private static double heapMiB(NodeProcess node) throws Exception {
        return node.get("/metrics").lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum() / (1 << 20);
    }

    private static void row(String client, int count, Figures f) {
        System.out.printf(Locale.ROOT, "| %s | %d | %.1f %% | %.1f %% | %.0f | %.2f %% | %s | %.0f MiB | %s |%n", client,
                count, f.cpuShare() * 100, f.jitShare() * 100, f.pollsPerSecond(), f.missingReachBits() * 100,
                Double.isNaN(f.heapMiB()) ? "n/a" : fmt("%.0f MiB", f.heapMiB()), f.rssMiB(), f.loadAverage());
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
