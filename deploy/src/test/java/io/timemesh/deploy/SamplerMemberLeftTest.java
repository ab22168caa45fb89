package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.sampler.HostResolver;
import io.timemesh.sampler.SamplerVerticle;
import io.timemesh.sampler.SourceAssignment;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.timemesh.timebase.MeshAuth;
import io.timemesh.timebase.TimebaseVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three samplers on three real Hazelcast members, each told of membership changes as a node is
 * ({@link TimemeshNode#tellMembershipChanges}). A member that only looks gone (its sampler still renews its
 * lease) keeps its sources; a member whose Hazelcast and Vert.x stop abruptly has its sources taken by the
 * survivors as soon as the cluster drops it, before its last lease could have lapsed.
 */
@Tag("slow")
class SamplerMemberLeftTest {
    private static final int SOURCES = 9;
    /** A lease lapses 3 s after its last renewal, which came up to a rebalance (1 s) before the kill. */
    private static final double LAPSE_AFTER_KILL_SECONDS = 2.0;
    private final MonotonicTimescale local = new MonotonicTimescale();
    private final List<SimulatedNtpServer> servers = new ArrayList<>();
    private final List<Runnable> untell = new ArrayList<>();
    private LoopbackCluster cluster;

    @AfterEach
    void stop() {
        untell.forEach(Runnable::run);
        if (cluster != null) {
            cluster.close();
        }
        servers.forEach(SimulatedNtpServer::close);
    }

    @Test
    void aLiveMemberReportedGoneKeepsItsSourcesAndADeadOnesMoveBeforeItsLeaseLapses() throws Exception {
        for (int i = 1; i <= SOURCES; i++) {
            servers.add(SimulatedNtpServer.start("127.0.41." + i, local, ServerBehaviour.truthful()));
        }
        JsonObject samplerConfig = new JsonObject().put("pollSeconds", 1).put("iburst", false)
                .put("sampler", new JsonObject().put("timeoutMillis", 500))
                .put("sources", new JsonArray(servers.stream().map(SimulatedNtpServer::hostPort).toList()));
        cluster = new LoopbackCluster(3);
        List<Vertx> members = cluster.startAll();
        ClusterKey key = ClusterKey.random();
        for (int i = 0; i < 3; i++) {
            Vertx member = members.get(i);
            untell.add(TimemeshNode.tellMembershipChanges(member));
            MeshAuth auth = MeshAuth.keyed("sampler-" + i, key, local);
            member.deployVerticle(new TimebaseVerticle(local, auth)).await();
            member.deployVerticle(new SamplerVerticle(local, auth, -20, HostResolver.IP_LITERALS_ONLY),
                    new DeploymentOptions().setConfig(samplerConfig.copy().put("nodeName", "sampler-" + i))).await();
        }
        Map<String, String> assigned = assignment(Set.of("sampler-0", "sampler-1", "sampler-2"));
        Map<String, String> owners = ownersAsAssigned(assigned);
        assertThat(Set.copyOf(owners.values())).hasSize(3);

        // Member 1 only looks gone to one member, which takes some of its sources (member 0, unless the share
        // without member 1 gives them all to member 2); its lease is renewed, so after a rebalance or two they are
        // back, each with its claim.
        boolean zeroTakes = assignment(Set.of("sampler-0", "sampler-2")).entrySet().stream().anyMatch(share ->
                share.getValue().equals("sampler-0") && assigned.get(share.getKey()).equals("sampler-1"));
        String reporter = zeroTakes ? "sampler-0" : "sampler-2";
        members.get(zeroTakes ? 0 : 2).eventBus().publish(EventBusAddresses.MEMBER_LEFT, memberId(members.get(1)),
                new DeliveryOptions().setLocalOnly(true));
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                .until(() -> claimants(members.get(0), key).entrySet().stream().anyMatch(claim ->
                        claim.getValue().equals(reporter) && assigned.get(claim.getKey()).equals("sampler-1")));
        TimeUnit.SECONDS.sleep(3);
        assertThat(steadyOwners(3)).as("owners after a false report").isEqualTo(owners);
        assertThat(claimants(members.get(0), key)).as("every source's claim, by the sampler polling it")
                .isEqualTo(assigned);

        // Member 2 dies: Hazelcast stopped without leaving, then its Vert.x (its sampler's stop reaches no map).
        List<String> moving = SourceAssignment.owned("sampler-2", Set.of("sampler-0", "sampler-1", "sampler-2"),
                servers.stream().map(SimulatedNtpServer::hostPort).toList());
        assertThat(moving).isNotEmpty();
        String victimClient = owners.get(moving.get(0));
        assertThat(moving).allSatisfy(source -> assertThat(owners.get(source)).isEqualTo(victimClient));
        Vertx victim = members.get(2);
        untell.remove(2); // its Hazelcast goes with it
        long killed = local.nowNanos();
        ((HazelcastClusterManager) ((VertxInternal) victim).clusterManager()).getHazelcastInstance()
                .getLifecycleService().terminate();
        victim.close();
        long deadline = killed + 15_000_000_000L;
        double movedAfter = Double.NaN;
        while (local.nowNanos() < deadline) {
            double latest = moving.stream().mapToDouble(source -> firstByOther(source, victimClient, killed))
                    .max().orElseThrow();
            if (latest < Double.MAX_VALUE) {
                movedAfter = latest;
                break;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        System.out.printf("sampler on %s killed holding %s: survivors asked them all after %.2f s%n", victimClient,
                moving, movedAfter);
        assertThat(movedAfter).as("seconds until the survivors asked every source the dead sampler held")
                .isLessThan(LAPSE_AFTER_KILL_SECONDS);
        Map<String, String> after = steadyOwners(2);
        assertThat(after.values()).doesNotContain(victimClient);
        assertThat(after.keySet()).hasSize(SOURCES);
    }

    /** Each source's sampler as the assignment among {@code samplers} gives it. */
    private Map<String, String> assignment(Set<String> samplers) {
        List<String> sources = servers.stream().map(SimulatedNtpServer::hostPort).toList();
        Map<String, String> owner = new TreeMap<>();
        samplers.forEach(sampler -> SourceAssignment.owned(sampler, samplers, sources)
                .forEach(source -> owner.put(source, sampler)));
        return owner;
    }

    /** Each source's claimant, as the genuine claim in the cluster's claims map names it ("none" without one). */
    private Map<String, String> claimants(Vertx member, ClusterKey key) {
        MeshAuth reader = MeshAuth.keyed("reader", key, local);
        Map<String, String> claimant = new TreeMap<>();
        for (SimulatedNtpServer server : servers) {
            String source = server.hostPort();
            String claim = member.sharedData().<String, String>getAsyncMap(SamplerVerticle.CLAIMS_MAP)
                    .compose(claims -> claims.get(source)).await();
            claimant.put(source, reader.openValue(SamplerVerticle.CLAIMS_MAP, source, claim)
                    .map(MeshAuth.Opened::sender).orElse("none"));
        }
        return claimant;
    }

    /**
     * Every source's one client over two polls, once they are shared as {@code assigned} gives them (one client per
     * sampler): a steady share alone can still be one taken before the last sampler had all of its sources.
     */
    private Map<String, String> ownersAsAssigned(Map<String, String> assigned) throws InterruptedException {
        long deadline = local.nowNanos() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            Map<String, String> owners = steadyOwners(Set.copyOf(assigned.values()).size());
            Map<String, Set<String>> clients = new TreeMap<>();
            owners.forEach((source, client) -> clients.computeIfAbsent(assigned.get(source), s -> new TreeSet<>())
                    .add(client));
            if (clients.values().stream().allMatch(one -> one.size() == 1)) {
                return owners;
            }
            assertThat(local.nowNanos()).as("a share as assigned within 15 s: %s", clients).isLessThan(deadline);
        }
    }

    /** Every source's one client over two polls, once {@code samplers} share them (within 10 s). */
    private Map<String, String> steadyOwners(int samplers) throws InterruptedException {
        return SamplingWatch.steadyOwners(servers, local, samplers, 2, 10);
    }

    /** Seconds after {@code sinceNanos} at which a client other than {@code client} first asked {@code source}. */
    private double firstByOther(String source, String client, long sinceNanos) {
        SimulatedNtpServer server = servers.stream().filter(s -> s.hostPort().equals(source)).findFirst().orElseThrow();
        return server.requests().stream().filter(r -> r.trueNanos() >= sinceNanos && !r.client().equals(client))
                .mapToLong(SimulatedNtpServer.Request::trueNanos).min().stream()
                .mapToDouble(first -> (first - sinceNanos) / 1e9).findFirst().orElse(Double.MAX_VALUE);
    }

    private static String memberId(Vertx vertx) {
        return ((VertxInternal) vertx).clusterManager().getNodeId();
    }
}
