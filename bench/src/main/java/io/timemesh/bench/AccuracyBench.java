package io.timemesh.bench;

import io.timemesh.core.time.TimeSource;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Accuracy next to chrony: the same simulated sources, given to a timemesh node and to {@code chronyd -x},
 * both polling each second. True time is this machine's system clock plus 0.3 s: three sources tell it
 * over asymmetric, jittery paths, one is a falseticker 25 ms off, one drifts away at 50 ppm. Once a second
 * it reads each one's time and bound and compares them with the truth.
 * Usage: {@code AccuracyBench [seconds] [work directory]}.
 */
public final class AccuracyBench {
    private static final double TRUE_OFFSET = 0.3;
    private static final Duration WARM_UP = Duration.ofSeconds(30);

    private AccuracyBench() {}

    /** One side's readings: error of its time against the truth, its bound's half-width, whether truth was inside. */
    static final class Readings {
        final List<Double> errors = new ArrayList<>();
        final List<Double> halfWidths = new ArrayList<>();
        int outside;

        void add(double error, double halfWidth, boolean inside) {
            errors.add(Math.abs(error));
            halfWidths.add(halfWidth);
            outside += inside ? 0 : 1;
        }

        double percentile(List<Double> values, double p) {
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 240;
        Path work = Files.createDirectories(args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("accuracy-"));
        TimeSource truth = NodeProcess::systemNanos;
        List<SimulatedNtpServer> servers = List.of(
                SimulatedNtpServer.start("127.0.6.1", truth, truthful(8, 2)),
                SimulatedNtpServer.start("127.0.6.2", truth, truthful(2, 8)),
                SimulatedNtpServer.start("127.0.6.3", truth, truthful(5, 3)),
                SimulatedNtpServer.start("127.0.6.4", truth, truthful(3, 3).withOffset(TRUE_OFFSET + 0.025)),
                SimulatedNtpServer.start("127.0.6.5", truth, truthful(3, 3).withDrift(50)));
        List<String> sources = servers.stream().map(SimulatedNtpServer::hostPort).toList();
        List<String> options = new ArrayList<>(List.of("--poll", "1"));
        sources.forEach(s -> options.addAll(List.of("--source", s)));
        try (NodeProcess node = new NodeProcess(18911, work.resolve("node.log"), options);
             TrackingChronyd chrony = new TrackingChronyd(sources, work.resolve("chrony"))) {
            long started = System.nanoTime();
            node.awaitSynchronised(Duration.ofSeconds(90));
            TimeUnit.NANOSECONDS.sleep(Math.max(0, WARM_UP.toNanos() - (System.nanoTime() - started)));
            Readings timemesh = new Readings();
            Readings chronyd = new Readings();
            long trueOffsetNanos = Math.round(TRUE_OFFSET * 1e9);
            for (int i = 0; i < seconds; i++) {
                NodeProcess.Answer answer = node.time(3);
                timemesh.add(answer.offsetSeconds() - TRUE_OFFSET, (answer.latest() - answer.earliest()) / 2e9,
                        answer.holds(trueOffsetNanos));
                TrackingChronyd.Tracking tracking = chrony.tracking();
                if (tracking != null) {
                    double error = tracking.correction() - TRUE_OFFSET;
                    chronyd.add(error, tracking.boundHalfWidth(), Math.abs(error) <= tracking.boundHalfWidth());
                }
                TimeUnit.SECONDS.sleep(1);
            }
            report(seconds, timemesh, chronyd, node, chrony);
        } finally {
            servers.forEach(SimulatedNtpServer::close);
        }
    }

    private static ServerBehaviour truthful(long outMillis, long backMillis) {
        return ServerBehaviour.truthful().withOffset(TRUE_OFFSET)
                .withDelays(Duration.ofMillis(outMillis), Duration.ofMillis(backMillis))
                .withJitter(Duration.ofMillis(1));
    }

    private static void report(int seconds, Readings timemesh, Readings chronyd, NodeProcess node, TrackingChronyd chrony)
            throws Exception {
        System.out.printf(Locale.ROOT, "%nAccuracy: 3 truthful sources (asymmetric 8/2, 2/8, 5/3 ms, 1 ms jitter), a falseticker"
                + " 25 ms off, one drifting 50 ppm; polled each second; %d readings each after a %d s warm-up%n",
                seconds, WARM_UP.toSeconds());
        System.out.println("| | timemesh | chronyd -x | timemesh / chronyd |");
        System.out.println("|---|---|---|---|");
        row("error of served time, median (µs)", timemesh, chronyd, r -> r.percentile(r.errors, 0.5));
        row("error of served time, p95 (µs)", timemesh, chronyd, r -> r.percentile(r.errors, 0.95));
        row("error of served time, max (µs)", timemesh, chronyd, r -> r.percentile(r.errors, 1.0));
        row("bound half-width, median (µs)", timemesh, chronyd, r -> r.percentile(r.halfWidths, 0.5));
        row("bound half-width, max (µs)", timemesh, chronyd, r -> r.percentile(r.halfWidths, 1.0));
        System.out.printf(Locale.ROOT, "| truth outside the bound | %d of %d | %d of %d | |%n", timemesh.outside,
                timemesh.errors.size(), chronyd.outside, chronyd.errors.size());
        summary("error of served time, median", timemesh, chronyd, r -> r.percentile(r.errors, 0.5));
        summary("bound half-width, median", timemesh, chronyd, r -> r.percentile(r.halfWidths, 0.5));
        Summary.row("accuracy", "truth outside the bound", timemesh.outside + " of " + timemesh.errors.size(),
                chronyd.outside + " of " + chronyd.errors.size(), "", "never", timemesh.outside == 0);
        JsonArray views = new JsonArray(node.get("/sources"));
        System.out.println("timemesh sources: " + Arrays.toString(views.stream()
                .map(v -> ((JsonObject) v).getString("address") + " " + ((JsonObject) v).getString("state")).toArray()));
        System.out.println("chronyd reach: " + chrony.reach());
    }

    private static void summary(String what, Readings timemesh, Readings chronyd, ToDoubleFunction<Readings> figure) {
        double t = figure.applyAsDouble(timemesh) * 1e6;
        double c = chronyd.errors.isEmpty() ? Double.NaN : figure.applyAsDouble(chronyd) * 1e6;
        Summary.row("accuracy", what, String.format(Locale.ROOT, "%.0f µs", t), String.format(Locale.ROOT, "%.0f µs", c),
                String.format(Locale.ROOT, "%.2f", t / c), "≤ 1.00", t <= c);
    }

    private static void row(String what, Readings timemesh, Readings chronyd,
                            ToDoubleFunction<Readings> figure) {
        double t = figure.applyAsDouble(timemesh) * 1e6;
        double c = chronyd.errors.isEmpty() ? Double.NaN : figure.applyAsDouble(chronyd) * 1e6;
        System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.2f |%n", what, t, c, t / c);
    }
}
