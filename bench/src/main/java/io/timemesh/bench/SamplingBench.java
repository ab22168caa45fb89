package io.timemesh.bench;

import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SourceFarm;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Sampling at scale: one timemesh node polling {@code count} sources each second, then {@code chronyd -x}
 * polling the same sources the same way, one after the other on this machine. For each: the CPU it used
 * (share of one core), polls that brought no sample (missing bits of every source's reach register),
 * polls per second the sources saw, and its memory.
 * Usage: {@code SamplingBench [sources] [seconds] [work directory]}.
 */
public final class SamplingBench {
    private static final int FARM_SUBNET = 1;
    private static final int FARM_PORT = 11930;
    private static final Duration WARM_UP = Duration.ofSeconds(20);

    private SamplingBench() {}

    /** What one client cost and lost while polling every source. */
    record Figures(double cpuShare, double missingReachBits, double pollsPerSecond, double heapMiB, double rssMiB) {}

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        Path work = Files.createDirectories(args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("sampling-"));
        try (SourceFarm farm = new SourceFarm(count, FARM_SUBNET, FARM_PORT, NodeProcess::systemNanos,
                ServerBehaviour.truthful())) {
            Path config = work.resolve("node.json");
            Files.writeString(config, new JsonObject().put("sources", new JsonArray(farm.hostPorts())).put("pollSeconds", 1)
                    .encode());
            Figures timemesh;
            try (NodeProcess node = new NodeProcess(18912, work.resolve("node.log"), List.of("--config", config.toString()))) {
                node.awaitSynchronised(Duration.ofSeconds(60));
                timemesh = measure(farm, node.pid(), seconds, () -> {
                    JsonArray sources = new JsonArray(node.get("/sources"));
                    return sources.stream().mapToInt(s -> ((JsonObject) s).getInteger("reach")).boxed().toList();
                }, () -> heapMiB(node.get("/metrics")));
            }
            Figures chronyd;
            try (TrackingChronyd chrony = new TrackingChronyd(farm.hostPorts(), work.resolve("chrony"))) {
                chronyd = measure(farm, chrony.pid(), seconds, chrony::reach, () -> Double.NaN);
            }
            report(count, seconds, timemesh, chronyd);
        }
    }

    private static Figures measure(SourceFarm farm, long pid, int seconds, Callable<List<Integer>> reach,
                                   Callable<Double> heap) throws Exception {
        TimeUnit.MILLISECONDS.sleep(WARM_UP.toMillis());
        double cpuBefore = ProcessStats.cpuSeconds(pid);
        long requestsBefore = farm.requests();
        long start = System.nanoTime();
        TimeUnit.SECONDS.sleep(seconds);
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = (ProcessStats.cpuSeconds(pid) - cpuBefore) / elapsed;
        double polls = (farm.requests() - requestsBefore) / elapsed;
        List<Integer> registers = reach.call();
        double missing = registers.stream().mapToInt(r -> 8 - Integer.bitCount(r & 0xFF)).sum() / (8.0 * registers.size());
        return new Figures(cpu, missing, polls, heap.call(), ProcessStats.rssMiB(pid));
    }

    /** Heap in use: the sum of the JVM's heap pools in the node's Prometheus text. */
    private static double heapMiB(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum() / (1 << 20);
    }

    private static void report(int count, int seconds, Figures timemesh, Figures chronyd) {
        System.out.printf(Locale.ROOT, "%nSampling: %d sources polled each second, %d s measured after a %d s warm-up,"
                + " timemesh then chronyd -x%n", count, seconds, WARM_UP.toSeconds());
        System.out.println("| | timemesh | chronyd -x | timemesh / chronyd |");
        System.out.println("|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| CPU (share of one core) | %.1f %% | %.1f %% | %.2f |%n", timemesh.cpuShare() * 100,
                chronyd.cpuShare() * 100, timemesh.cpuShare() / chronyd.cpuShare());
        System.out.printf(Locale.ROOT, "| polls the sources saw per second | %.0f | %.0f | %.2f |%n", timemesh.pollsPerSecond(),
                chronyd.pollsPerSecond(), timemesh.pollsPerSecond() / chronyd.pollsPerSecond());
        System.out.printf(Locale.ROOT, "| samples lost (missing reach bits, last 8 polls) | %.2f %% | %.2f %% | |%n",
                timemesh.missingReachBits() * 100, chronyd.missingReachBits() * 100);
        System.out.printf(Locale.ROOT, "| heap in use | %.0f MiB | n/a | |%n", timemesh.heapMiB());
        System.out.printf(Locale.ROOT, "| RSS | %.0f MiB | %.0f MiB | %.1f |%n", timemesh.rssMiB(), chronyd.rssMiB(),
                timemesh.rssMiB() / chronyd.rssMiB());
        String what = String.format(Locale.ROOT, "%d sources at 1 s: ", count);
        Summary.row("sampling", what + "polls per second", fmt("%.0f", timemesh.pollsPerSecond()),
                fmt("%.0f (chronyd's cap)", chronyd.pollsPerSecond()), "", fmt("%d", count),
                timemesh.pollsPerSecond() >= count * 0.99);
        Summary.row("sampling", what + "samples lost", fmt("%.2f %%", timemesh.missingReachBits() * 100),
                fmt("%.2f %%", chronyd.missingReachBits() * 100), "", "none", timemesh.missingReachBits() == 0);
        Summary.row("sampling", what + "CPU, share of one core", fmt("%.1f %%", timemesh.cpuShare() * 100),
                fmt("%.1f %%", chronyd.cpuShare() * 100), "", "", false);
        Summary.row("sampling", what + "heap in use / RSS", fmt("%.0f / ", timemesh.heapMiB()) + fmt("%.0f MiB", timemesh.rssMiB()),
                fmt("RSS %.0f MiB", chronyd.rssMiB()), fmt("%.1f", timemesh.rssMiB() / chronyd.rssMiB()), "", false);
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
