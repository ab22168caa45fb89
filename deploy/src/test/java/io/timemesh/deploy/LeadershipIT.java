package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three real node processes; the selector's node is frozen with SIGSTOP for 6 s, long enough to be
 * dropped from the cluster and replaced, then woken with SIGCONT. At least once a second, every node is
 * asked for the time (every answer true, monotonic, overlapping), for the leader whose authenticated
 * references it follows, and for the (epoch, sequence) of the reference it applied, which must never go
 * back. Within {@link #CONVERGED_LIMIT_SECONDS} of the wake every node follows one leader, which is
 * the one answering as selector, and goes on doing so to the end of the watch.
 */
class LeadershipIT {
    /** The stated bound for one leader again after a stall or a healed split (README). */
    static final double CONVERGED_LIMIT_SECONDS = 30;

    private final NodeProcesses nodes = new NodeProcesses("leadership-it", 3);

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    @Test
    void aSelectorFrozenBeyondItsLeaseIsDeposedAndOneLeaderRemains() throws Exception {
        List<String> all = nodes.startSynchronised("127.0.9");
        String frozen = nodes.awaitSelectorOf(all.get(0));
        assertThat(frozen).isIn(all);
        List<String> others = all.stream().filter(n -> !n.equals(frozen)).toList();
        LeaderWatch watch = new LeaderWatch(nodes);
        ClusterRounds rounds = new ClusterRounds(nodes);

        nodes.signal(frozen, "STOP");
        long stopped = nodes.local.nowNanos();
        while (nodes.local.nowNanos() - stopped < TimeUnit.SECONDS.toNanos(6)) {
            rounds.round(others);
            watch.check(others, (nodes.local.nowNanos() - stopped) / 1e9);
            TimeUnit.MILLISECONDS.sleep(200);
        }
        nodes.signal(frozen, "CONT");
        long woken = nodes.local.nowNanos();
        watch.nextPhase();
        double lastSplit = 0; // seconds after the wake of the last check that did not find one leader
        while (nodes.local.nowNanos() - woken < TimeUnit.SECONDS.toNanos(45)) {
            long second = nodes.local.nowNanos();
            rounds.round(all);
            double at = (nodes.local.nowNanos() - woken) / 1e9;
            if (!watch.check(all, at)) {
                lastSplit = at;
            }
            TimeUnit.NANOSECONDS.sleep(Math.max(0, TimeUnit.SECONDS.toNanos(1) - (nodes.local.nowNanos() - second)));
        }
        System.out.printf("selector %s frozen 6 s; one leader from %.1f s after the wake on (%d checks, %d with a "
                        + "selector query timed out); %d queries, %d violations, %d answers not SYNCHRONIZED; leaders "
                        + "seen: %s%n", frozen, lastSplit, watch.timeline.size(), watch.unanswered, rounds.queries,
                rounds.violations.size() + watch.violations.size(),
                rounds.unsynchronized.size(), watch.seen());
        assertThat(rounds.violations).isEmpty();
        assertThat(watch.violations).isEmpty();
        // One leader, the one answering as selector everywhere, from then on to the end of the 45 s watch.
        assertThat(lastSplit).as("checks after the wake:%n%s", String.join("\n", watch.timeline))
                .isLessThanOrEqualTo(CONVERGED_LIMIT_SECONDS);
        // Timed-out selector queries are tolerated as load, not as a habit.
        assertThat(watch.unanswered).as("checks after the wake:%n%s", String.join("\n", watch.timeline))
                .isLessThanOrEqualTo(watch.timeline.size() / 5);
        assertThat(rounds.unsynchronized).allSatisfy(u -> assertThat(u.status()).isNotEqualTo("UNSYNCHRONIZED"));
    }
}
