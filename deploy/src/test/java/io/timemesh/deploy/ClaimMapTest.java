package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import io.timemesh.sampler.ClaimMap;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The samplers' claims batched on Hazelcast's own map (issue 14): reads and compare-and-sets of hundreds of claims
 * spread over every partition, on three real members, seen the same through Vert.x's map of the same name, won by
 * one of two members swapping from the same value, and still there on the survivors' backups after a member dies
 * abruptly.
 */
@Tag("slow")
class ClaimMapTest {
    private static final int SOURCES = 300;
    private LoopbackCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void claimsAreReadAndSwappedInBatchesAsCompareAndSetsThatSurviveAMembersDeath() throws Exception {
        cluster = new LoopbackCluster(3);
        List<Vertx> members = cluster.startAll();
        String name = "claims-" + cluster.name;
        AsyncMap<String, String> plain = members.get(2).sharedData().<String, String>getAsyncMap(name).await();
        for (int i = SOURCES / 2; i < SOURCES; i++) {
            plain.put(source(i), "old-" + i).await();
        }
        ClaimMap first = ClaimMap.of(members.get(0), name).await();
        ClaimMap second = ClaimMap.of(members.get(1), name).await();
        assertThat(first).isNotInstanceOf(ClaimMap.PerSource.class);
        Set<String> all = IntStream.range(0, SOURCES).mapToObj(ClaimMapTest::source).collect(Collectors.toSet());
        Map<String, String> read = first.getAll(all).await();
        assertThat(read).hasSize(SOURCES / 2).containsEntry(source(SOURCES - 1), "old-" + (SOURCES - 1));

        // Every fourth swap expects what is not there: a claim where none is, none where one is, an older value.
        Map<String, ClaimMap.Swap> swaps = new HashMap<>();
        Map<String, String> expected = new HashMap<>(read);
        Set<String> staleSwaps = new HashSet<>();
        for (int i = 0; i < SOURCES; i++) {
            String held = read.get(source(i));
            boolean stale = i % 4 == 0;
            String from = stale ? (held == null ? "old-" + i : i % 8 == 0 ? null : "older-" + i) : held;
            swaps.put(source(i), new ClaimMap.Swap(from, "new-" + i));
            if (stale) {
                staleSwaps.add(source(i));
            } else {
                expected.put(source(i), "new-" + i);
            }
        }
        Map<String, Boolean> done = first.swapAll(swaps).await();
        assertThat(done).hasSize(SOURCES);
        done.forEach((source, set) -> assertThat(set).as(source).isEqualTo(!staleSwaps.contains(source)));
        assertThat(plain.entries().await()).isEqualTo(expected);

        // Two members swap every claim from the same value at once: each claim goes to exactly one of them.
        Map<String, ClaimMap.Swap> mine = new HashMap<>();
        Map<String, ClaimMap.Swap> theirs = new HashMap<>();
        expected.forEach((source, value) -> {
            mine.put(source, new ClaimMap.Swap(value, "first-" + source));
            theirs.put(source, new ClaimMap.Swap(value, "second-" + source));
        });
        var racing = List.of(first.swapAll(mine), second.swapAll(theirs));
        Map<String, Boolean> firstWon = racing.get(0).await();
        Map<String, Boolean> secondWon = racing.get(1).await();
        Map<String, String> after = plain.entries().await();
        assertThat(after).hasSize(expected.size());
        after.forEach((source, value) -> {
            assertThat(firstWon.get(source) ^ secondWon.get(source)).as(source).isTrue();
            assertThat(value).isEqualTo((firstWon.get(source) ? "first-" : "second-") + source);
        });

        // The owner of a third of the partitions dies without leaving: its backups hold every swap. Once the
        // cluster is safe, that is: while the three members' partitions still migrate, a replica may not have
        // its backup yet, and no backup processor changes that (Hazelcast's PartitionService#isClusterSafe).
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> members.stream().allMatch(member ->
                hazelcast(member).getPartitionService().isClusterSafe()));
        hazelcast(members.get(0)).getLifecycleService().terminate();
        assertThat(second.getAll(all).await()).isEqualTo(after);
    }

    private static HazelcastInstance hazelcast(Vertx member) {
        return ((HazelcastClusterManager) ((VertxInternal) member).clusterManager()).getHazelcastInstance();
    }

    private static String source(int i) {
        return "127.0." + (i / 250) + "." + (i % 250) + ":123";
    }
}
