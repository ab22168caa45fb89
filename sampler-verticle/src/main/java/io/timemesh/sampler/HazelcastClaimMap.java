package io.timemesh.sampler;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.PartitionService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The claims map as Hazelcast's {@link IMap} (the one Vert.x's cluster manager opens under the same name, with
 * the same plain string keys and values): one read of every claim asked ({@link IMap#submitToKeys} with a
 * read-only entry processor), and the swaps as one entry processor per partition, each carrying only its own
 * partition's swaps and run atomically per entry on the partition's owner and its backups, so backups stay as
 * the owner's copy. Hundreds of claims cost a few operations per member, none of them on a worker thread.
 *
 * <p>The processors travel between members with Java serialization (each member runs the same jar); a member
 * without these classes fails the batch, and the claims are tried again at the next rebalance.
 */
final class HazelcastClaimMap implements ClaimMap {
    private final Vertx vertx;
    private final IMap<String, String> map;
    private final PartitionService partitions;

    HazelcastClaimMap(Vertx vertx, HazelcastInstance hazelcast, String name) {
        this.vertx = vertx;
        this.map = hazelcast.getMap(name);
        this.partitions = hazelcast.getPartitionService();
    }

    @Override
    public Future<Map<String, String>> getAll(Set<String> sources) {
        if (sources.isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        return Future.fromCompletionStage(map.submitToKeys(sources, new Read()), vertx.getOrCreateContext())
                .map(read -> {
                    Map<String, String> claims = new HashMap<>();
                    read.forEach((source, claim) -> {
                        if (claim != null) {
                            claims.put(source, claim);
                        }
                    });
                    return claims;
                });
    }

    @Override
    public Future<Map<String, Boolean>> swapAll(Map<String, Swap> swaps) {
        // Per partition: an entry processor given to many keys travels whole with each partition's operation and
        // its backup, so one carrying every swap would cost the map's partitions times the batch.
        Map<Integer, HashMap<String, String[]>> byPartition = new HashMap<>();
        swaps.forEach((source, swap) -> byPartition
                .computeIfAbsent(partitions.getPartition(source).getPartitionId(), p -> new HashMap<>())
                .put(source, new String[] {swap.expected(), swap.replacement()}));
        var context = vertx.getOrCreateContext();
        List<Future<Map<String, Boolean>>> writes = new ArrayList<>();
        byPartition.values().forEach(part -> writes.add(
                Future.fromCompletionStage(map.submitToKeys(Set.copyOf(part.keySet()), new Swaps(part)), context)
                        .otherwise(Map.of()))); // not done: not set
        return Future.join(writes).map(all -> {
            Map<String, Boolean> done = new HashMap<>();
            writes.forEach(write -> write.result().forEach((source, set) -> done.put(source, Boolean.TRUE.equals(set))));
            return done;
        });
    }

    /** Reads an entry's value where it lives; no backup, no lock. */
    static final class Read implements EntryProcessor<String, String, String>, ReadOnly {
        private static final long serialVersionUID = 1L;

        @Override
        public String process(Map.Entry<String, String> entry) {
            return entry.getValue();
        }

        @Override
        public EntryProcessor<String, String, String> getBackupProcessor() {
            return null;
        }
    }

    /**
     * Source → {expected (null: none), replacement}: sets each entry whose value is the expected one, on the
     * owner and then, the same way, on its backups.
     */
    static final class Swaps implements EntryProcessor<String, String, Boolean> {
        private static final long serialVersionUID = 1L;
        private final HashMap<String, String[]> swaps;

        Swaps(HashMap<String, String[]> swaps) {
            this.swaps = swaps;
        }

        @Override
        public Boolean process(Map.Entry<String, String> entry) {
            String[] swap = swaps.get(entry.getKey());
            if (swap == null || !Objects.equals(entry.getValue(), swap[0])) {
                return false;
            }
            entry.setValue(swap[1]);
            return true;
        }
    }
}
