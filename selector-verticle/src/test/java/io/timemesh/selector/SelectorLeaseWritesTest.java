package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.timebase.MeshAuth;
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
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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

    @AfterEach
    void close() {
        vertx.close().await();
    }

    @Test
    void aRenewalThatOutlivesItsTickNeverLandsAnOlderValueOverANewerOne() {
        LeaseWrites map = new LeaseWrites(vertx.sharedData().<String, String>getLocalAsyncMap(SelectorVerticle.STATE_MAP)
                .await());
        vertx.deployVerticle(new SelectorVerticle(clock, MeshAuth.keyed("selector-a", key, clock), -20,
                        NodeCounters.NONE, v -> Future.succeededFuture(map)),
                new DeploymentOptions().setConfig(new JsonObject().put("sources", new JsonArray()))).await();
        await().atMost(Duration.ofSeconds(10)).until(() -> map.written.size() >= 3); // taken, renewed twice

        // The next renewal's compare-and-set reaches the map only after the next two ticks' renewals have landed.
        map.delayNextSwap(2_400);
        await().atMost(Duration.ofSeconds(10)).until(() -> map.delayedSwapFound.get() != null);
        int after = map.written.size();
        await().atMost(Duration.ofSeconds(5)).until(() -> map.written.size() >= after + 2);

        assertThat(map.delayedSwapFound.get()).as("the delayed renewal found a newer value of ours").isFalse();
        MeshAuth standby = MeshAuth.keyed("selector-b", key, clock);
        List<Boolean> opened = map.written.stream().map(value -> standby.openValue(SelectorVerticle.STATE_MAP,
                SelectorVerticle.LEASE_KEY, value).isPresent()).toList();
        assertThat(standby.rejections()).as("nothing for a standby to count").isEmpty();
        assertThat(opened).as("every value taken, in the order written").containsOnly(true);
        assertThat(map.written).as("lease values written").hasSizeGreaterThanOrEqualTo(after + 2);
    }

    /** The local map, recording every lease value it took in order, with one compare-and-set held back on request. */
    private final class LeaseWrites implements AsyncMap<String, String> {
        private final AsyncMap<String, String> map;
        final List<String> written = new CopyOnWriteArrayList<>();
        private final AtomicLong delayMillis = new AtomicLong();
        /** Whether the held-back compare-and-set succeeded, once it has run. */
        final AtomicReference<Boolean> delayedSwapFound = new AtomicReference<>();

        LeaseWrites(AsyncMap<String, String> map) {
            this.map = map;
        }

        void delayNextSwap(long millis) {
            delayMillis.set(millis);
        }

        private <T> Future<T> recorded(String key, String value, Future<T> result, boolean stored) {
            if (stored && key.equals(SelectorVerticle.LEASE_KEY)) {
                written.add(value);
            }
            return result;
        }

        @Override
        public Future<Boolean> replaceIfPresent(String key, String oldValue, String newValue) {
            long delay = key.equals(SelectorVerticle.LEASE_KEY) ? delayMillis.getAndSet(0) : 0;
            if (delay == 0) {
                return map.replaceIfPresent(key, oldValue, newValue)
                        .compose(won -> recorded(key, newValue, Future.succeededFuture(won), won));
            }
            Promise<Boolean> later = Promise.promise();
            vertx.setTimer(delay, id -> map.replaceIfPresent(key, oldValue, newValue).onSuccess(won -> {
                recorded(key, newValue, Future.succeededFuture(won), won);
                delayedSwapFound.set(won);
            }).onComplete(later));
            return later.future();
        }

        @Override
        public Future<String> putIfAbsent(String key, String value) {
            return map.putIfAbsent(key, value).compose(previous ->
                    recorded(key, value, Future.succeededFuture(previous), previous == null));
        }

        @Override
        public Future<Void> put(String key, String value) {
            return map.put(key, value).compose(v -> recorded(key, value, Future.succeededFuture(v), true));
        }

        @Override
        public Future<String> get(String key) {
            return map.get(key);
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
