package io.timemesh.bench;

import io.timemesh.core.exchange.SourceStats;
import io.timemesh.discipline.DisciplineSettings;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.ServerBehaviour.Fault;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Accuracy and bound next to chrony, over a set of scenarios. In each, simulated servers on the
 * scenario's own loopback addresses are given to a timemesh node and to {@code chronyd -x}, both
 * polling each second. True time is what the scenario's first server (always honest) says: this
 * machine's system clock plus 0.3 s, or plus a drift where every server drifts. Once a second each
 * side is read: timemesh by {@code GET /time} over a kept-alive HTTP connection, the least round
 * trip of {@link #READS} reads; chrony by {@code chronyc tracking}, its bound AWS ClockBound's
 * root dispersion + root delay/2 about its estimate. Also per reading: the majority limit, the
 * half-width of the hull of offsets covered by a strict majority of the answering servers' exact
 * causal intervals [o − d2, o + d1] at their configured least one-way delays d1, d2 (no jitter,
 * no loopback time, no precision): the tightest bound a majority rule can promise on those paths.
 * And per scenario the carried limit: the same hull over intervals carried at maxDrift, as issue 10's
 * rule carries them, with the configured jitter drawn (see {@link #carriedLimit}).
 * Usage: {@code AccuracyBench [seconds per scenario] [work directory] [scenario numbers, e.g. 1,4]}.
 */
public final class AccuracyBench {
    private static final double TRUE_OFFSET = 0.3;
    private static final Duration WARM_UP = Duration.ofSeconds(30);
    private static final int READS = 20;
    private static final int FIRST_HTTP_PORT = 18911;
    /** Simulated seconds of polling behind each scenario's carried limit. */
    private static final int CARRIED_SECONDS = 3_600;

    private AccuracyBench() {}

    /**
     * One scenario: its servers (the first honest, its clock the truth) and what happens half-way through.
     *
     * @param stepServer index of a server stepped by {@code stepSeconds} half-way through, or −1
     */
    record Scenario(String name, List<ServerBehaviour> servers, int stepServer, double stepSeconds) {}

    static List<Scenario> scenarios() {
        return List.of(
                new Scenario("asymmetric honest + low-delay symmetric + liar", List.of(
                        path(0, 0, 0), path(8, 2, 1), path(2, 8, 1), path(5, 3, 1),
                        path(3, 3, 0).withOffset(TRUE_OFFSET + 0.025)), -1, 0),
                new Scenario("7 sources, 3 liars", List.of(
                        path(1, 1, 0.5), path(3, 3, 0.5), path(2, 4, 0.5), path(4, 2, 0.5),
                        path(2, 2, 0.5).withOffset(TRUE_OFFSET + 0.020), path(2, 2, 0.5).withOffset(TRUE_OFFSET + 0.020),
                        path(2, 2, 0.5).withOffset(TRUE_OFFSET - 0.030)), -1, 0),
                new Scenario("all drifting 50 ppm", List.of(
                        path(2, 2, 0.5).withDrift(50), path(3, 1, 0.5).withDrift(50), path(1, 3, 0.5).withDrift(50),
                        path(2, 2, 0.5).withDrift(50), path(4, 4, 0.5).withDrift(50)), -1, 0),
                new Scenario("1 ms each way plus uniform jitter 0-10 ms", List.of(
                        path(1, 1, 10), path(1, 1, 10), path(1, 1, 10), path(1, 1, 10), path(1, 1, 10)), -1, 0),
                // Six honest among eleven: the majority is counted over every configured server, answering or not.
                new Scenario("faulty mix: kiss, mute, garbage, spoofed", List.of(
                        path(2, 2, 0.5), path(3, 1, 0.5), path(1, 3, 0.5), path(2, 2, 0.5), path(4, 2, 0.5),
                        path(2, 4, 0.5), path(2, 2, 0).withKiss("DENY"),
                        path(2, 2, 0).withKiss("RATE"), path(2, 2, 0).withFault(Fault.SILENT),
                        path(2, 2, 0).withFault(Fault.GARBAGE), path(2, 2, 0).withFault(Fault.SPOOFED_ORIGIN)), -1, 0),
                new Scenario("one server stepping by 1 s", List.of(
                        path(2, 2, 0.5), path(3, 1, 0.5), path(1, 3, 0.5), path(2, 2, 0.5), path(1, 1, 0.5)), 4, 1.0));
    }

    /** An honest server on a path of {@code out}/{@code back} ms one way, each plus uniform 0..{@code jitter} ms. */
    private static ServerBehaviour path(double out, double back, double jitter) {
        return ServerBehaviour.truthful().withOffset(TRUE_OFFSET)
                .withDelays(Duration.ofNanos(Math.round(out * 1e6)), Duration.ofNanos(Math.round(back * 1e6)))
                .withJitter(Duration.ofNanos(Math.round(jitter * 1e6)));
    }

    /** One side's readings: |error| against the truth, the bound's half-width, whether truth was inside. */
    static final class Readings {
        final List<Double> errors = new ArrayList<>();
        final List<Double> halfWidths = new ArrayList<>();
        int inside;

        void add(double error, double halfWidth, boolean holds) {
            errors.add(Math.abs(error));
            halfWidths.add(halfWidth);
            inside += holds ? 1 : 0;
        }

        static double percentile(List<Double> values, double p) {
            if (values.isEmpty()) {
                return Double.NaN;
            }
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
        }

        double insideShare() {
            return errors.isEmpty() ? Double.NaN : (double) inside / errors.size();
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 90;
        Path work = Files.createDirectories(args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("accuracy-"));
        List<Scenario> scenarios = scenarios();
        List<Integer> chosen = args.length > 2 ? Arrays.stream(args[2].split(",")).map(n -> Integer.parseInt(n) - 1).toList()
                : IntStream.range(0, scenarios.size()).boxed().toList();
        List<String> rows = new ArrayList<>();
        for (int k : chosen) {
            try {
                rows.add(run(k, scenarios.get(k), seconds, work.resolve("scenario-" + (k + 1))));
            } catch (java.io.IOException e) { // one scenario that never synchronised leaves the others' rows
                System.out.printf(Locale.ROOT, "scenario %d failed: %s%n", k + 1, e.getMessage());
                Summary.row("accuracy", (k + 1) + ". " + scenarios.get(k).name(), "failed: " + e.getMessage(), "", "",
                        "synchronised", false);
                rows.add("| " + (k + 1) + ". " + scenarios.get(k).name() + " | failed: " + e.getMessage()
                        + " |  |  |  |  |  |  |  |  |  |  |  |");
            }
        }
        System.out.printf(Locale.ROOT, "%nAccuracy: %d scenarios, each polled each second by both, %d readings after a"
                + " %d s warm-up; errors and half-widths in µs%n", chosen.size(), seconds, WARM_UP.toSeconds());
        System.out.println("| scenario | |error| median / p99, timemesh | chronyd -x | ratio (median, p99) "
                + "| half-width median, timemesh | ClockBound on chrony | majority limit | ÷ ClockBound | ÷ limit "
                + "| carried limit | ÷ carried | truth inside, timemesh | chrony |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    private static String run(int index, Scenario scenario, int seconds, Path work) throws Exception {
        Files.createDirectories(work);
        List<SimulatedNtpServer> servers = new ArrayList<>();
        try {
            for (int i = 0; i < scenario.servers().size(); i++) {
                SimulatedNtpServer server = SimulatedNtpServer.start("127.0." + (16 + index) + "." + (i + 1),
                        NodeProcess::systemNanos, scenario.servers().get(i));
                servers.add(server);
                if (!server.kernelStamped()) { // its T2 then runs tens of µs late, and every client's θ with it
                    throw new IllegalStateException("simulated server " + server.hostPort() + " has no kernel receive"
                            + " stamps: run with --add-opens java.base/sun.nio.ch=ALL-UNNAMED on 64-bit Linux");
                }
            }
            SimulatedNtpServer truthTeller = servers.get(0);
            List<String> sources = servers.stream().map(SimulatedNtpServer::hostPort).toList();
            List<String> options = new ArrayList<>(List.of("--poll", "1"));
            sources.forEach(s -> options.addAll(List.of("--source", s)));
            System.out.printf(Locale.ROOT, "scenario %d: %s on %s%n", index + 1, scenario.name(), sources);
            try (NodeProcess node = new NodeProcess(FIRST_HTTP_PORT + index, work.resolve("node.log"), options);
                 TrackingChronyd chrony = new TrackingChronyd(sources, work.resolve("chrony"))) {
                long started = System.nanoTime();
                node.awaitSynchronised(Duration.ofSeconds(90));
                TimeUnit.NANOSECONDS.sleep(Math.max(0, WARM_UP.toNanos() - (System.nanoTime() - started)));
                Readings timemesh = new Readings();
                Readings chronyd = new Readings();
                List<Double> limits = new ArrayList<>();
                List<Double> referenceErrors = new ArrayList<>();
                List<Double> signedErrors = new ArrayList<>();
                List<Double> roundTrips = new ArrayList<>();
                List<Double> chronySigned = new ArrayList<>();
                List<Double> residuals = new ArrayList<>();
                for (int i = 0; i < seconds; i++) {
                    if (i == seconds / 2 && scenario.stepServer() >= 0) {
                        SimulatedNtpServer stepping = servers.get(scenario.stepServer());
                        stepping.behaviour(stepping.behaviour().withOffset(stepping.behaviour().offsetSeconds()
                                + scenario.stepSeconds()));
                    }
                    NodeProcess.Answer answer = node.time(READS);
                    long middle = answer.sentSystemNanos() + answer.roundTrip() / 2;
                    double truth = truthTeller.offsetAt(middle);
                    timemesh.add(answer.offsetSeconds() - truth, (answer.latest() - answer.earliest()) / 2e9,
                            answer.earliest() <= answer.receivedSystemNanos()
                                    + Math.round(truthTeller.offsetAt(answer.receivedSystemNanos()) * 1e9)
                                    && answer.sentSystemNanos()
                                    + Math.round(truthTeller.offsetAt(answer.sentSystemNanos()) * 1e9) <= answer.latest());
                    limits.add(majorityLimit(servers, truth, middle));
                    JsonObject status = new JsonObject(node.get("/status?decisions=1"));
                    referenceErrors.add(referenceOffset(status) - truthTeller.offsetAt(NodeProcess.systemNanos()));
                    residuals.add(Math.abs(status.getDouble("residualSeconds", Double.NaN)));
                    signedErrors.add(answer.offsetSeconds() - truth);
                    roundTrips.add(answer.roundTrip() / 1e9);
                    TrackingChronyd.Tracking tracking = chrony.tracking();
                    if (tracking != null) {
                        double error = tracking.correction() - truthTeller.offsetAt(NodeProcess.systemNanos());
                        chronyd.add(error, tracking.boundHalfWidth(), Math.abs(error) <= tracking.boundHalfWidth());
                        chronySigned.add(error);
                    }
                    TimeUnit.SECONDS.sleep(1);
                }
                System.out.printf(Locale.ROOT, "  signed median errors: served %+.0f µs, the selector's combined offset %+.0f µs"
                        + " (the node's local timescale taken as the system clock), chrony %+.0f µs; median read round trip"
                        + " %.0f µs%n", Readings.percentile(signedErrors, 0.5) * 1e6,
                        Readings.percentile(referenceErrors, 0.5) * 1e6, Readings.percentile(chronySigned, 0.5) * 1e6,
                        Readings.percentile(roundTrips, 0.5) * 1e6);
                // Which part of our |error| is the estimate's and which the reading's: the selector's offset is read
                // from /status, with no HTTP round trip in it.
                System.out.printf(Locale.ROOT, "  |error| median: served %.0f µs, the selector's combined offset %.0f µs,"
                        + " chrony %.0f µs%n", Readings.percentile(timemesh.errors, 0.5) * 1e6,
                        Readings.percentile(referenceErrors.stream().map(Math::abs).toList(), 0.5) * 1e6,
                        Readings.percentile(chronyd.errors, 0.5) * 1e6);
                // The discipline's share: how far the served clock still was from the selector's reference, the
                // slew not yet done, when the selector's offset was read.
                System.out.printf(Locale.ROOT, "  the discipline's slew still to do (|residual|) median %.1f µs, p99 %.1f µs%n",
                        Readings.percentile(residuals, 0.5) * 1e6, Readings.percentile(residuals, 0.99) * 1e6);
                System.out.println("  timemesh sources: " + node.get("/sources"));
                System.out.println("  chronyd reach: " + chrony.reach());
                return row(index, scenario, timemesh, chronyd, Readings.percentile(limits, 0.5),
                        carriedLimit(scenario, DisciplineSettings.DEFAULTS.maxDrift()));
            }
        } finally {
            servers.forEach(SimulatedNtpServer::close);
        }
    }

    /** The newest reference's offset: true time less the node's local timescale, which starts as the system clock. */
    private static double referenceOffset(JsonObject status) {
        JsonArray decisions = status.getJsonObject("selection").getJsonArray("decisions");
        return decisions.isEmpty() ? Double.NaN : decisions.getJsonObject(decisions.size() - 1).getDouble("offsetSeconds");
    }

    /**
     * Half the width of the hull of offsets (true time minus the truth) covered by more than half of the
     * answering servers' intervals [o − d2, o + d1], o being each server's clock less the truth now.
     */
    static double majorityLimit(List<SimulatedNtpServer> servers, double truth, long atSystemNanos) {
        List<double[]> intervals = new ArrayList<>();
        for (SimulatedNtpServer server : servers) {
            ServerBehaviour b = server.behaviour();
            if (b.fault() == Fault.NONE) {
                double o = server.offsetAt(atSystemNanos) - truth;
                intervals.add(new double[] {o - b.returnDelay().toNanos() / 1e9, o + b.outboundDelay().toNanos() / 1e9});
            }
        }
        double[] hull = majorityHull(intervals);
        return (hull[1] - hull[0]) / 2;
    }

    /**
     * The tightest half-width issue 10's carry rule allows on the scenario's configured paths, in seconds: each
     * answering honest server polled once a second, each exchange's exact interval [o − d2, o + d1] drawn as the
     * simulated servers draw their delays (least one way plus uniform 0..jitter, each way), carried to the present
     * widened by {@code maxDrift} × its age each side, intersected over the newest {@link SourceStats#MAX_SAMPLES},
     * then the hull a majority of them covers, as in {@link #majorityLimit}. No loopback or processing time, no
     * precision, and our frequency against true time known exactly: a floor for any exact bound carried at
     * maxDrift, which the majority limit (least delays, no ageing) is not. The median over {@value #CARRIED_SECONDS}
     * simulated seconds once the windows are full, from a fixed seed, so every run prints the same figure; a step
     * half-way through is not modelled.
     */
    static double carriedLimit(Scenario scenario, double maxDrift) {
        SplittableRandom random = new SplittableRandom(1);
        List<ServerBehaviour> honest = scenario.servers().stream().filter(b -> b.fault() == Fault.NONE).toList();
        int window = SourceStats.MAX_SAMPLES;
        double[][] lows = new double[honest.size()][window];
        double[][] highs = new double[honest.size()][window];
        List<Double> halfWidths = new ArrayList<>();
        for (int t = 0; t < CARRIED_SECONDS; t++) {
            List<double[]> carried = new ArrayList<>();
            for (int i = 0; i < honest.size(); i++) {
                ServerBehaviour b = honest.get(i);
                double o = b.offsetSeconds() - TRUE_OFFSET;
                double jitter = b.jitter().toNanos() / 1e9;
                lows[i][t % window] = o - b.returnDelay().toNanos() / 1e9 - random.nextDouble() * jitter;
                highs[i][t % window] = o + b.outboundDelay().toNanos() / 1e9 + random.nextDouble() * jitter;
                double low = Double.NEGATIVE_INFINITY;
                double high = Double.POSITIVE_INFINITY;
                for (int age = 0; age < Math.min(t + 1, window); age++) {
                    low = Math.max(low, lows[i][(t - age) % window] - maxDrift * age);
                    high = Math.min(high, highs[i][(t - age) % window] + maxDrift * age);
                }
                carried.add(new double[] {low, high});
            }
            if (t >= window) {
                double[] hull = majorityHull(carried);
                halfWidths.add((hull[1] - hull[0]) / 2);
            }
        }
        return Readings.percentile(halfWidths, 0.5);
    }

    /** [low, high] of the points covered by more than half of {@code intervals} (closed), or NaNs if none are. */
    static double[] majorityHull(List<double[]> intervals) {
        double[][] ends = new double[2 * intervals.size()][];
        for (int i = 0; i < intervals.size(); i++) {
            ends[2 * i] = new double[] {intervals.get(i)[0], +1};
            ends[2 * i + 1] = new double[] {intervals.get(i)[1], -1};
        }
        // Openings before closings at the same point: closed intervals that touch both cover it.
        Arrays.sort(ends, (a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(b[1], a[1]));
        double low = Double.NaN;
        double high = Double.NaN;
        int depth = 0;
        for (double[] end : ends) {
            int before = depth;
            depth += (int) end[1];
            if (depth * 2 > intervals.size() && Double.isNaN(low)) {
                low = end[0];
            }
            if (before * 2 > intervals.size() && depth * 2 <= intervals.size()) {
                high = end[0];
            }
        }
        return new double[] {low, high};
    }

    private static String row(int index, Scenario scenario, Readings timemesh, Readings chronyd, double limit,
                              double carried) {
        double tMedian = Readings.percentile(timemesh.errors, 0.5) * 1e6;
        double tP99 = Readings.percentile(timemesh.errors, 0.99) * 1e6;
        double cMedian = Readings.percentile(chronyd.errors, 0.5) * 1e6;
        double cP99 = Readings.percentile(chronyd.errors, 0.99) * 1e6;
        double tHalf = Readings.percentile(timemesh.halfWidths, 0.5) * 1e6;
        double cHalf = Readings.percentile(chronyd.halfWidths, 0.5) * 1e6;
        double limitMicros = limit * 1e6;
        double carriedMicros = carried * 1e6;
        String name = (index + 1) + ". " + scenario.name();
        Summary.row("accuracy", name + ": |error| median", String.format(Locale.ROOT, "%.0f µs", tMedian),
                String.format(Locale.ROOT, "chrony %.0f µs", cMedian), String.format(Locale.ROOT, "%.2f", tMedian / cMedian),
                "≤ 1.00", tMedian <= cMedian);
        Summary.row("accuracy", name + ": half-width median", String.format(Locale.ROOT, "%.0f µs", tHalf),
                String.format(Locale.ROOT, "majority limit %.0f µs", limitMicros),
                String.format(Locale.ROOT, "%.2f", tHalf / limitMicros), "≤ 1.20", tHalf <= 1.2 * limitMicros);
        Summary.row("accuracy", name + ": half-width median against the carried limit", String.format(Locale.ROOT,
                "%.0f µs", tHalf), String.format(Locale.ROOT, "carried limit %.0f µs (%.2f × the majority limit)",
                carriedMicros, carried / limit), String.format(Locale.ROOT, "%.2f", tHalf / carriedMicros), "", false);
        Summary.row("accuracy", name + ": truth inside", String.format(Locale.ROOT, "%.1f %%", 100 * timemesh.insideShare()),
                String.format(Locale.ROOT, "chrony %.1f %%", 100 * chronyd.insideShare()), "", "100 %",
                timemesh.inside == timemesh.errors.size());
        return String.format(Locale.ROOT, "| %s | %.0f / %.0f | %.0f / %.0f | %.2f, %.2f | %.0f | %.0f | %.0f | %.2f | %.2f "
                        + "| %.0f | %.2f | %.1f %% | %.1f %% |", name, tMedian, tP99, cMedian, cP99, tMedian / cMedian,
                tP99 / cP99, tHalf, cHalf, limitMicros, tHalf / cHalf, tHalf / limitMicros, carriedMicros,
                tHalf / carriedMicros, 100 * timemesh.insideShare(), 100 * chronyd.insideShare());
    }
}
