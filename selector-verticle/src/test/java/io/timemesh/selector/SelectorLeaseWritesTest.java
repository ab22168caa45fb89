package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lease values a leader writes, in the order the map took them, as a standby reads them: each must be newer
 * than the last, or every standby counts a replay (a false alarm on {@code timemesh_mesh_rejected_total}).
 */
class SelectorLeaseWritesTest {
    private final Vertx vertx = Vertx.vertx();
    private final MonotonicTimescale clock = new MonotonicTimescale();
    private final ClusterKey key = ClusterKey.random();
    private final MeshAuth leader = MeshAuth.keyed("selector-a", key, clock);
    private String deployment;

    @AfterEach
    void close() {
        vertx.close().await();
    }

    /** A renewal's compare-and-set reaches the map only after the next two ticks' renewals have landed. */
    @Test
    void aRenewalThatOutlivesItsTickNeverLandsAnOlderValueOverANewerOne() {
        assertThat(renewalsSideBySide(2_400)).as("the delayed renewal found a newer value of ours").isFalse();
    }

    /**
     * A renewal that outlived its tick lands first, and the next ones find that value of ours in the map: the leader
     * knows it as its own, not as a replay (nor as a squatter's in /status), and standbys see values in order.
     */
    @Test
    void aSlowRenewalLandingBeforeTheNextIsNoReplayToTheLeader() {
        // The next renewal begins 1 or 1.5 s after this one (its tick timed out), and its swap runs after this one's.
        assertThat(renewalsSideBySide(1_700, 900)).as("the slow renewal landed").isTrue();
    }

    /**
     * Holds the leader's next compare-and-sets back by {@code delays} (ms) and checks every value the map took after,
     * as a standby and as the leader read them.
     *
     * @return whether the first held-back compare-and-set succeeded
     */
    private boolean renewalsSideBySide(long... delays) {
        LeaseWrites map = leading();
        map.delayNextSwaps(delays);
        await().atMost(Duration.ofSeconds(10)).until(() -> map.delayedSwapFound.get() != null);
        int after = map.written.size();
        await().atMost(Duration.ofSeconds(6)).until(() -> map.written.size() >= after + 2);
        assertThat(openedInOrder(map)).as("every value taken, in the order written").containsOnly(true);
        assertThat(leader.rejections()).as("nothing the leader counts against its own values").isEmpty();
        return map.delayedSwapFound.get();
    }

    /**
     * A map slower than a tick after one stall (every lease read and swap takes 0.8 s): renewals run side by side and
     * still land, in order, and the leader counts none of its own values against itself.
     */
    @Test
    void renewalsGoOnLandingOnAMapSlowerThanATick() {
        LeaseWrites map = leading();
        map.delayNextSwaps(2_000);
        map.slow(800);
        int before = map.written.size();
        await().atMost(Duration.ofSeconds(10)).until(() -> map.written.size() >= before + 4);
        map.slow(0);
        assertThat(openedInOrder(map)).as("every value taken, in the order written").containsOnly(true);
        assertThat(leader.rejections()).as("nothing the leader counts against its own values").isEmpty();
    }

    /** A renewal under way when the leader stops lands nothing after the release, so a standby takes over at once. */
    @Test
    void aRenewalUnderWayAtStopLeavesTheReleaseInTheMap() {
        LeaseWrites map = leading();
        stopDuringARenewal(map, 1_500);
        assertThat(releasedInTheMap(map)).as("the lease in the map at the end: released").isTrue();
    }

    /**
     * An uninvited member's junk in the map, which a renewal writes over slowly (its second compare-and-set held back
     * past the tick's timeout) while the leader stops: the stop waits for it, then releases that value of ours.
     */
    @Test
    void aRenewalOverJunkLandingAfterTheStopBeganIsReleased() {
        LeaseWrites map = leading();
        map.putUnrecorded(SelectorVerticle.LEASE_KEY, "{\"from\":\"squatter\",\"ctr\":1,\"body\":\"{}\"}");
        stopDuringARenewal(map, 0, 1_500);
        assertThat(map.delayedSwapFound.get()).as("the renewal wrote over the junk").isTrue();
        assertThat(releasedInTheMap(map)).as("the lease in the map at the end: released").isTrue();
    }

    /**
     * A standby that stops while an old lease of its own is in the map (an intruder put it back) releases nothing: to
     * every other standby a fresh release looks like the leader stepping down.
     */
    @Test
    void aStandbyThatStopsReleasesNoOldLeaseOfItsOwn() {
        LeaseWrites map = new LeaseWrites(vertx.sharedData().<String, String>getLocalAsyncMap(SelectorVerticle.STATE_MAP)
                .await());
        MeshAuth other = MeshAuth.keyed("selector-x", key, clock); // leading, as far as the standby can tell
        map.putUnrecorded(SelectorVerticle.LEASE_KEY, other.sealValue(SelectorVerticle.STATE_MAP,
                SelectorVerticle.LEASE_KEY, JsonObject.mapFrom(new SelectorLease.Lease("selector-x", 4, 7))));
        deployment = deploy(map);
        map.putUnrecorded(SelectorVerticle.LEASE_KEY, leader.sealValue(SelectorVerticle.STATE_MAP,
                SelectorVerticle.LEASE_KEY, JsonObject.mapFrom(new SelectorLease.Lease("selector-a", 2, 30))));
        vertx.undeploy(deployment).await();
        assertThat(map.written).as("values the standby wrote").isEmpty();
    }

    /**
     * Holds the leader's next compare-and-sets back by {@code delays} ms, stops the leader while the first one held back
     * (of a delay above 0) is under way, and checks every value the map took, in order.
     */
    private void stopDuringARenewal(LeaseWrites map, long... delays) {
        map.delayNextSwaps(delays);
        await().atMost(Duration.ofSeconds(10)).until(() -> map.delayedSwapPending.get());
        vertx.undeploy(deployment).await();
        await().atMost(Duration.ofSeconds(5)).until(() -> map.delayedSwapFound.get() != null);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> true); // its rewrite, if any
        assertThat(openedInOrder(map)).as("every value taken, in the order written").containsOnly(true);
    }

    /** Whether the map's lease value is a released lease of the leader's. */
    private boolean releasedInTheMap(LeaseWrites map) {
        return leader.openOwnValue(SelectorVerticle.STATE_MAP, SelectorVerticle.LEASE_KEY,
                map.get(SelectorVerticle.LEASE_KEY).await()).orElseThrow().body().getBoolean("released");
    }

    /** The leader on {@link LeaseWrites}, once it has taken the lease and renewed it twice. */
    private LeaseWrites leading() {
        LeaseWrites map = new LeaseWrites(vertx.sharedData().<String, String>getLocalAsyncMap(SelectorVerticle.STATE_MAP)
                .await());
        deployment = deploy(map);
        await().atMost(Duration.ofSeconds(10)).until(() -> map.written.size() >= 3);
        return map;
    }

    /** A selector sealing with {@link #leader}'s key on {@code map}; its deployment id. */
    private String deploy(LeaseWrites map) {
        return vertx.deployVerticle(new SelectorVerticle(clock, leader, -20, NodeCounters.NONE,
                        v -> Future.succeededFuture(map)),
                new DeploymentOptions().setConfig(new JsonObject().put("sources", new JsonArray()))).await();
    }

    /** Whether a standby that read every value the map took, in order, would take each (none older than the last). */
    private List<Boolean> openedInOrder(LeaseWrites map) {
        MeshAuth standby = MeshAuth.keyed("selector-b", key, clock);
        List<Boolean> opened = map.written.stream().map(value -> standby.openValue(SelectorVerticle.STATE_MAP,
                SelectorVerticle.LEASE_KEY, value).isPresent()).toList();
        assertThat(standby.rejections()).as("nothing for a standby to count").isEmpty();
        return opened;
    }

    /** The local map, recording every lease value it took in order, with one compare-and-set held back on request. */
    private final class LeaseWrites implements AsyncMap<String, String> {
        private final AsyncMap<String, String> map;
        final List<String> written = new CopyOnWriteArrayList<>();
        private final Queue<Long> delays = new ConcurrentLinkedQueue<>();
        private final AtomicLong slowMillis = new AtomicLong();
        /** Whether the first held-back compare-and-set succeeded, once it has run. */
        final AtomicReference<Boolean> delayedSwapFound = new AtomicReference<>();
        /** Whether a compare-and-set is being held back. */
        final AtomicBoolean delayedSwapPending = new AtomicBoolean();

        LeaseWrites(AsyncMap<String, String> map) {
            this.map = map;
        }

        /** Puts {@code value} as an uninvited member would, not recorded among the values written. */
        void putUnrecorded(String key, String value) {
            map.put(key, value).await();
        }

        /** Makes every lease read and compare-and-set that is not held back take {@code millis} ms (0: at once). */
        void slow(long millis) {
            slowMillis.set(millis);
        }

        /** Holds the next lease compare-and-sets back, each by its own delay (ms; 0: not held back), in order. */
        void delayNextSwaps(long... millis) {
            for (long delay : millis) {
                delays.add(delay);
            }
        }

        private void record(String key, String value, boolean stored) {
            if (stored && key.equals(SelectorVerticle.LEASE_KEY)) {
                written.add(value);
            }
        }

        @Override
        public Future<Boolean> replaceIfPresent(String key, String oldValue, String newValue) {
            boolean lease = key.equals(SelectorVerticle.LEASE_KEY);
            Long queued = lease ? delays.poll() : null;
            Long held = queued != null && queued > 0 ? queued : null; // a queued 0 lets one swap through at once
            long delay = queued != null ? queued : lease ? slowMillis.get() : 0;
            if (held != null) {
                delayedSwapPending.set(true);
            }
            // Recorded as the swap runs, so that the values written are in the map's order.
            return after(delay, () -> map.replaceIfPresent(key, oldValue, newValue).onSuccess(won -> {
                record(key, newValue, won);
                if (held != null) {
                    delayedSwapFound.compareAndSet(null, won);
                }
            }));
        }

        /** {@code operation} run {@code delay} ms from now (at once if 0), answered on the caller's context. */
        private <T> Future<T> after(long delay, Supplier<Future<T>> operation) {
            if (delay == 0) {
                return operation.get();
            }
            Promise<T> later = Promise.promise();
            Context caller = vertx.getOrCreateContext(); // answered there, as Vert.x answers a cluster map's calls
            // Not a Vert.x timer: the verticle's would be cancelled with it, where a slow cluster map still answers.
            CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS).execute(() -> operation.get()
                    .onComplete(done -> caller.runOnContext(v -> later.handle(done))));
            return later.future();
        }

        @Override
        public Future<String> putIfAbsent(String key, String value) {
            return map.putIfAbsent(key, value).onSuccess(previous -> record(key, value, previous == null));
        }

        @Override
        public Future<Void> put(String key, String value) {
            return map.put(key, value).onSuccess(v -> record(key, value, true));
        }

        @Override
        public Future<String> get(String key) {
            return after(key.equals(SelectorVerticle.LEASE_KEY) ? slowMillis.get() : 0, () -> map.get(key));
        }

        @Override
        public Future<Void> put(String key, String value, long ttl) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<String> putIfAbsent(String key, String value, long ttl) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<String> remove(String key) {
            return map.remove(key);
        }

        @Override
        public Future<Boolean> removeIfPresent(String key, String value) {
            return map.removeIfPresent(key, value);
        }

        @Override
        public Future<String> replace(String key, String value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Void> clear() {
            return map.clear();
        }

        @Override
        public Future<Integer> size() {
            return map.size();
        }

        @Override
        public Future<Set<String>> keys() {
            return map.keys();
        }

        @Override
        public Future<List<String>> values() {
            return map.values();
        }

        @Override
        public Future<Map<String, String>> entries() {
            return map.entries();
        }
    }
}
