package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.timemesh.testkit.ServerBehaviour;
import java.time.Duration;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three real node processes (the packaged jar) forming a cluster on loopback against simulated
 * servers; the selector's node is killed with SIGKILL mid-run. True time is this JVM's local
 * timescale + 0.3 s: the truthful servers run that far ahead of it.
 */
class ClusterIT {

    private final NodeProcesses nodes = new NodeProcesses("cluster-it", 3);

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    @Test
    void threeNodesServeTheSameBoundedTimeAndSurviveTheSelectorsNodeBeingKilled() throws Exception {
        nodes.server("127.0.5.1", MeshFixture.truthful(8, 2));
        nodes.server("127.0.5.2", MeshFixture.truthful(2, 8));
        nodes.server("127.0.5.3", MeshFixture.truthful(5, 3));
        nodes.server("127.0.5.4", MeshFixture.truthful(3, 5));
        nodes.server("127.0.5.5", ServerBehaviour.truthful().withOffset(1.2));
        nodes.startAll();
        nodes.awaitSynchronised(nodes.names(), Duration.ofSeconds(90));
        nodes.awaitSourcesShared("node-0", 3, Duration.ofSeconds(30));
        List<String> all = nodes.names();
        String killedSelector = nodes.awaitSelection("node-0", Duration.ofSeconds(10)).getString("selectorNode");
        String selector = killedSelector.substring(0, killedSelector.indexOf('/'));
        assertThat(selector).isIn(all);

        ClusterRounds rounds = new ClusterRounds(nodes);
        DecisionWatch decisions = new DecisionWatch(nodes);
        for (int i = 0; i < 100; i++) {
            rounds.round(all);
            if (i % 2 == 0) {
                decisions.observe(all.get(i % all.size()));
            }
        }

        List<String> survivors = all.stream().filter(n -> !n.equals(selector)).toList();
        // Who selects is asked every 100 ms on threads of its own, each ask not waiting for the last: an ask that
        // reaches the dead selector waits 2 s for it, and the rounds' own queries take a while, so asking in the
        // rounds' loop would see a successor up to seconds after it took over.
        AtomicLong tookOver = new AtomicLong(Long.MAX_VALUE);
        ExecutorService askers = Executors.newCachedThreadPool();
        ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
        long killed = nodes.local.nowNanos();
        nodes.kill(selector);
        ticks.scheduleAtFixedRate(() -> askers.execute(() -> {
            String now = nodes.selectorOf(survivors.get(0));
            if (now != null && survivors.contains(now)) {
                tookOver.accumulateAndGet(nodes.local.nowNanos(), Math::min);
            }
        }), 0, 100, TimeUnit.MILLISECONDS);
        try {
            while (tookOver.get() == Long.MAX_VALUE && nodes.local.nowNanos() - killed < TimeUnit.SECONDS.toNanos(20)) {
                rounds.round(survivors);
                decisions.observe(survivors.get(0));
            }
        } finally {
            ticks.shutdownNow();
            askers.shutdownNow();
        }
        double takeover = tookOver.get() == Long.MAX_VALUE ? Double.NaN : (tookOver.get() - killed) / 1e9;
        String successor = nodes.awaitSelection(survivors.get(0), Duration.ofSeconds(10)).getString("selectorNode");
        System.out.printf("selector %s killed; %s took over after %.2f s%n", killedSelector, successor, takeover);
        for (int i = 0; i < 110; i++) {
            rounds.round(survivors);
            if (i % 2 == 0) {
                decisions.observe(survivors.get(i / 2 % survivors.size()));
            }
        }
        DoubleSummaryStatistics holdover = rounds.unsynchronized.stream()
                .mapToDouble(u -> (u.sentLocal() - killed) / 1e9).summaryStatistics();
        System.out.printf("%d queries over 3 then 2 nodes, %d violations; decisions handed over: %s; %d answers not "
                        + "SYNCHRONIZED%s%n", rounds.queries, rounds.violations.size() + decisions.violations.size(),
                decisions.handovers, holdover.getCount(), holdover.getCount() == 0 ? ""
                        : String.format(" (%.2f to %.2f s after the kill)", holdover.getMin(), holdover.getMax()));
        assertThat(rounds.violations).isEmpty();
        // The successor cannot relate the dead node's last samples (no timebase link forms to a dead node), so
        // those sources count as undecided voters until a survivor samples them: the majority may wait that long.
        assertThat(rounds.unsynchronized).allSatisfy(u -> {
            assertThat(u.status()).isEqualTo("HOLDOVER");
            assertThat((u.sentLocal() - killed) / 1e9).isBetween(0.0, ClusterFaultsIT.TAKEOVER_LIMIT_SECONDS);
        });
        assertThat(decisions.violations).isEmpty();
        // The successor's history carries on from the killed selector's, numbered without a gap or a repeat.
        assertThat(decisions.handovers).containsExactly(killedSelector + " → " + successor);
        assertThat(rounds.queries).isGreaterThanOrEqualTo(500);
        // At least the standby's 3 s of watching the lease unchanged; the rest is CPU work (Hazelcast promoting the
        // lease's partition, the successor reading its state), which a loaded machine stretches: 3.2 s measured
        // (README), 5 s was too tight for a loaded CI machine, and twice the measurement still fails.
        assertThat(takeover).isLessThanOrEqualTo(7.0);
        // SYNCHRONIZED again within the same bound: on a loaded host the successor's first selections can still lack
        // a majority when the rounds above end (a fresh-clone run saw HOLDOVER 3.71-4.44 s after the kill, and then).
        for (String node : survivors) {
            long left = killed + (long) (ClusterFaultsIT.TAKEOVER_LIMIT_SECONDS * 1e9) - nodes.local.nowNanos();
            await().atMost(Duration.ofNanos(Math.max(left, 100_000_000L))).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> nodes.time(node).status().equals("SYNCHRONIZED"));
        }
    }
}
