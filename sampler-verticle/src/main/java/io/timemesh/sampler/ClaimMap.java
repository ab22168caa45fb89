package io.timemesh.sampler;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The samplers' claims map (source → sealed claim), read and written a rebalance's claims at a time. A sampler
 * that takes over a dead one's share claims hundreds of sources at once; one map operation per claim (Vert.x's
 * {@link AsyncMap} has no batch operations, and runs each compare-and-set on a worker thread) made those claims
 * most of the time a dead sampler's sources took to move (issue 14).
 */
public interface ClaimMap {
    /**
     * Compare-and-set of one source's claim: set to {@code replacement} if the map still holds {@code expected}.
     *
     * @param expected    the claim read before, or null if there was none
     * @param replacement our new sealed claim
     */
    record Swap(String expected, String replacement) {}

    /**
     * The claims held for {@code sources}.
     *
     * @return source → claim, for the sources that have one; fails if the map cannot be read
     */
    Future<Map<String, String>> getAll(Set<String> sources);

    /**
     * Each swap done atomically on its own source (no lock across sources): the claim set only if the map
     * still holds the swap's expected value, so of two samplers swapping from the same value one wins.
     *
     * @return source → whether its claim was set; a swap the map could not do counts as not set (it may still
     *         have been done: a claim no lease of ours names holds nothing), and is tried again at a later rebalance
     */
    Future<Map<String, Boolean>> swapAll(Map<String, Swap> swaps);

    /**
     * The claims map {@code name} of {@code vertx}: Hazelcast's own map, batched per partition
     * ({@link HazelcastClaimMap}), on a Vert.x clustered by Hazelcast; otherwise Vert.x's map, one
     * operation per source.
     */
    static Future<ClaimMap> of(Vertx vertx, String name) {
        if (((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager hazelcast) {
            return Future.succeededFuture(new HazelcastClaimMap(vertx, hazelcast.getHazelcastInstance(), name));
        }
        return vertx.sharedData().<String, String>getAsyncMap(name).map(PerSource::new);
    }

    /** One {@link AsyncMap} operation per source: a map in this process alone, where an operation costs little. */
    final class PerSource implements ClaimMap {
        private final AsyncMap<String, String> map;

        PerSource(AsyncMap<String, String> map) {
            this.map = map;
        }

        @Override
        public Future<Map<String, String>> getAll(Set<String> sources) {
            List<String> order = List.copyOf(sources);
            List<Future<String>> reads = new ArrayList<>();
            order.forEach(source -> reads.add(map.get(source)));
            return Future.all(reads).map(all -> {
                Map<String, String> claims = new HashMap<>();
                for (int i = 0; i < order.size(); i++) {
                    if (all.resultAt(i) instanceof String claim) {
                        claims.put(order.get(i), claim);
                    }
                }
                return claims;
            });
        }

        @Override
        public Future<Map<String, Boolean>> swapAll(Map<String, Swap> swaps) {
            Map<String, Boolean> done = new HashMap<>();
            List<Future<Boolean>> writes = new ArrayList<>();
            swaps.forEach((source, swap) -> writes.add((swap.expected() == null
                    ? map.putIfAbsent(source, swap.replacement()).map(previous -> previous == null)
                    : map.replaceIfPresent(source, swap.expected(), swap.replacement()))
                    .otherwise(false).onSuccess(set -> done.put(source, set))));
            return Future.join(writes).map(all -> done);
        }
    }
}
