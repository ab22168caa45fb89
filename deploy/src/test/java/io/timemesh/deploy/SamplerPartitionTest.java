package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.timebase.MeshAuth;
import io.timemesh.core.message.SampleBatch;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.sampler.HostResolver;
import io.timemesh.sampler.SamplerVerticle;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.timemesh.timebase.TimebaseVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Three samplers on three real cluster members share twelve sources, and hand them over when one stops. */
@Tag("slow")
class SamplerPartitionTest {

    private static final int POLL_SECONDS = 3;
    private final MonotonicTimescale local = new MonotonicTimescale();
    private final List<SimulatedNtpServer> servers = new ArrayList<>();
    private LoopbackCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        servers.forEach(SimulatedNtpServer::close);
    }

    @Test
    void eachSourceIsPolledByExactlyOneSamplerAndMovesWhenItsSamplerStops() throws Exception {
        for (int i = 1; i <= 12; i++) {
            servers.add(SimulatedNtpServer.start("127.0.4." + i, local, ServerBehaviour.truthful().withOffset(0.1)));
        }
        JsonObject samplerConfig = new JsonObject().put("pollSeconds", POLL_SECONDS).put("iburst", false)
                .put("sampler", new JsonObject().put("timeoutMillis", 500))
                .put("sources", new JsonArray(servers.stream().map(SimulatedNtpServer::hostPort).toList()));
        cluster = new LoopbackCluster(3);
        List<Vertx> members = cluster.startAll();
        List<SourceSample> samples = new CopyOnWriteArrayList<>();
        ClusterKey key = ClusterKey.random();
        MeshAuth.Inbox inbox = MeshAuth.keyed("reader", key, local).inbox(EventBusAddresses.SAMPLES);
        members.get(0).eventBus().consumer(EventBusAddresses.SAMPLES, m -> inbox.open(m.body())
                .ifPresent(o -> samples.addAll(o.body().mapTo(SampleBatch.class).samples()))).completion().await();
        List<String> deployments = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String node = "sampler-" + i;
            MeshAuth auth = MeshAuth.keyed(node, key, local);
            members.get(i).deployVerticle(new TimebaseVerticle(local, auth)).await();
            deployments.add(members.get(i).deployVerticle(new SamplerVerticle(local, auth, -20, HostResolver.IP_LITERALS_ONLY),
                    new DeploymentOptions().setConfig(samplerConfig.copy().put("nodeName", node))).await());
        }

        // Leases seen by all, every source claimed: each polled by exactly one sampler, the work shared by all three.
        Map<String, String> owner = SamplingWatch.steadyOwners(servers, local, 3, 2.0 * POLL_SECONDS, 60);

        // Sampler 2 stops (its node stays up): its sources must be polled by another within one poll interval.
        // Its newest sample: while the three joined, it may have sampled for a while a source that moved on since.
        SourceSample ofTwo = samples.stream().filter(s -> s.samplerNode().equals("sampler-2"))
                .reduce((first, second) -> second).orElseThrow();
        String stoppedClient = owner.get(ofTwo.source());
        List<String> moving = owner.entrySet().stream().filter(e -> e.getValue().equals(stoppedClient))
                .map(Map.Entry::getKey).toList();
        assertThat(moving).isNotEmpty();
        members.get(2).undeploy(deployments.get(2)).await();
        long stoppedAt = local.nowNanos();
        // The stop hands its sources over at once; another takes each at its next rebalance (every second) and asks
        // it at once. Watched until all moved (a loaded machine is slower), then each judged by when it moved.
        List<SimulatedNtpServer> moved = servers.stream().filter(s -> moving.contains(s.hostPort())).toList();
        Map<String, Long> firstByOther = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (firstByOther.size() < moved.size() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
            for (SimulatedNtpServer server : moved) {
                server.requests().stream().filter(r -> r.trueNanos() >= stoppedAt && !r.client().equals(stoppedClient))
                        .mapToLong(SimulatedNtpServer.Request::trueNanos).min()
                        .ifPresent(first -> firstByOther.put(server.hostPort(), first));
            }
        }
        for (SimulatedNtpServer server : moved) {
            assertThat(firstByOther).as("%s asked by another", server.hostPort()).containsKey(server.hostPort());
            assertThat((firstByOther.get(server.hostPort()) - stoppedAt) / 1e9).as(server.hostPort())
                    .isLessThanOrEqualTo(POLL_SECONDS + 1.0);
        }
        long handedOver = local.nowNanos();
        TimeUnit.SECONDS.sleep(2L * POLL_SECONDS);
        assertThat(SamplingWatch.pollersSince(servers, handedOver).values()).allSatisfy(set -> assertThat(set).hasSize(1)
                .doesNotContain(stoppedClient));
        // The filter came along: the new owner's first estimate already holds the old owner's stages.
        for (String source : moving) {
            SourceSample first = samples.stream().filter(s -> s.source().equals(source)
                    && !s.samplerNode().equals("sampler-2") && s.publishedNanos() >= stoppedAt).findFirst().orElseThrow();
            assertThat(first.filter().stages()).as(source).isGreaterThan(1);
            assertThat(first.reach()).as(source).isGreaterThan(1);
        }
    }
}
