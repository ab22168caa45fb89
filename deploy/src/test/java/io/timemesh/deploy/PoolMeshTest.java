package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.timemesh.sampler.HostResolver;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §4 over real sockets: every address a pool expands to is a source and a voter of its own, and
 * a server reached both through a pool and a configured name votes once.
 */
@Tag("slow")
class PoolMeshTest {

    private final MeshFixture mesh = new MeshFixture();

    @AfterEach
    void stop() {
        mesh.close();
    }

    /** Servers on {@code addresses}, all on one port as a pool's are; returns the port. */
    private int serve(Map<String, ServerBehaviour> addresses) throws Exception {
        int port = 0;
        for (Map.Entry<String, ServerBehaviour> entry : addresses.entrySet()) {
            SimulatedNtpServer server = port == 0 ? SimulatedNtpServer.start(entry.getKey(), mesh.local, entry.getValue())
                    : SimulatedNtpServer.start(entry.getKey(), port, mesh.local, entry.getValue());
            port = server.port();
            mesh.servers.add(server);
        }
        return port;
    }

    /** Until /sources shows {@code member} selected, judged on one answer (not asked again after the wait). */
    private void awaitSelected(String member, Duration limit) {
        await().atMost(limit).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonObject source = source(member);
            assertThat(source.getString("state")).as(source.encode()).isEqualTo("selected");
        });
    }

    private JsonObject source(String name) throws Exception {
        return mesh.sources().stream().map(JsonObject.class::cast).filter(s -> s.getString("address").equals(name))
                .findFirst().orElseThrow();
    }

    @Test
    void aPoolOfFourAddressesIsFourVotersAndOutvotesItsLiar() throws Exception {
        int port = serve(Map.of("127.0.16.1", MeshFixture.truthful(2, 2),
                "127.0.16.2", MeshFixture.truthful(2, 3), "127.0.16.3", MeshFixture.truthful(3, 2),
                "127.0.16.4", MeshFixture.truthful(2, 2).withOffset(0.8)));
        mesh.startNode("pool-four", new JsonObject().put("sources", new JsonArray())
                        .put("pools", new JsonArray().add(new JsonObject().put("name", "pool.test:" + port))),
                HostResolver.table(Map.of("pool.test", List.of("127.0.16.4", "127.0.16.2", "127.0.16.3", "127.0.16.1"))));
        assertThat(mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(20)).status()).isEqualTo("SYNCHRONIZED");
        PromiseWatch watch = new PromiseWatch(mesh);
        watch.watch(3);
        assertThat(watch.violations).as("%d answers", watch.answers).isEmpty();
        assertThat(mesh.sources()).hasSize(4);
        assertThat(source("pool.test:" + port + "#3").getString("state")).isEqualTo("falseticker");
    }

    @Test
    void aPoolNamingTheSameServerAsAConfiguredSourceVotesOnce() throws Exception {
        int port = serve(Map.of("127.0.17.1", MeshFixture.truthful(2, 2),
                "127.0.17.2", MeshFixture.truthful(2, 2).withOffset(0.8)));
        // liar.test and the pool's second member are one lying server: one vote, so one honest server
        // stands against one liar and there is no majority; with two votes the liar would win 2 of 3.
        mesh.startNode("pool-alias", new JsonObject().put("sources", new JsonArray().add("liar.test:" + port))
                        .put("pools", new JsonArray().add(new JsonObject().put("name", "pool.test:" + port)
                                .put("maxSources", 2))),
                HostResolver.table(Map.of("liar.test", List.of("127.0.17.2"), "pool.test", List.of("127.0.17.1", "127.0.17.2"))));
        PromiseWatch watch = new PromiseWatch(mesh);
        watch.noMajorityFromNow();
        watch.watch(8);
        assertThat(watch.violations).as("%d answers", watch.answers).isEmpty();
        assertThat(watch.statuses).containsExactly("UNSYNCHRONIZED");
        JsonObject alias = source("pool.test:" + port + "#1");
        assertThat(alias.getString("state")).isEqualTo("alias");
        assertThat(alias.getString("reason")).contains("alias of liar.test:" + port, "127.0.17.2");
    }

    @Test
    void aPersistentFalsetickerInAPoolIsReplacedByAnotherAddress() throws Exception {
        int port = serve(Map.of("127.0.18.1", MeshFixture.truthful(2, 2), "127.0.18.2", MeshFixture.truthful(2, 3),
                "127.0.18.3", MeshFixture.truthful(3, 2), "127.0.18.4", MeshFixture.truthful(2, 2).withOffset(0.8),
                "127.0.18.5", MeshFixture.truthful(2, 2)));
        mesh.startNode("pool-falseticker", new JsonObject().put("sources", new JsonArray())
                        .put("pools", new JsonArray().add(new JsonObject().put("name", "pool.test:" + port))),
                HostResolver.table(Map.of("pool.test", List.of("127.0.18.1", "127.0.18.2", "127.0.18.3", "127.0.18.4", "127.0.18.5"))));
        assertThat(mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(20)).status()).isEqualTo("SYNCHRONIZED");
        String member = "pool.test:" + port + "#3"; // the liar, 127.0.18.4, until it is replaced by the spare
        SimulatedNtpServer liar = mesh.servers.stream().filter(s -> s.host().equals("127.0.18.4")).findFirst().orElseThrow();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int asked = -1;
        while (System.nanoTime() < deadline && asked != liar.requestCount()) {
            asked = liar.requestCount();
            Thread.sleep(3_000); // more than a poll: asked no more once replaced
        }
        assertThat(asked).as("the liar is no longer asked").isEqualTo(liar.requestCount());
        awaitSelected(member, Duration.ofSeconds(10));
        assertThat(mesh.servers.stream().filter(s -> s.host().equals("127.0.18.5")).findFirst().orElseThrow()
                .requestCount()).isPositive();
    }

    /** A member whose server sends DENY takes the pool's spare at once, and votes and agrees again. */
    @Test
    void aMemberStoppedByAKissIsReplacedAndSelectedAgain() throws Exception {
        int port = serve(Map.of("127.0.19.1", MeshFixture.truthful(2, 2), "127.0.19.2", MeshFixture.truthful(2, 3)
                        .withKiss("DENY"), "127.0.19.3", MeshFixture.truthful(3, 2), "127.0.19.4", MeshFixture.truthful(2, 2),
                "127.0.19.5", MeshFixture.truthful(2, 2)));
        mesh.startNode("pool-kiss", new JsonObject().put("sources", new JsonArray())
                        .put("pools", new JsonArray().add(new JsonObject().put("name", "pool.test:" + port))),
                HostResolver.table(Map.of("pool.test", List.of("127.0.19.1", "127.0.19.2", "127.0.19.3", "127.0.19.4", "127.0.19.5"))));
        assertThat(mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(20)).status()).isEqualTo("SYNCHRONIZED");
        String member = "pool.test:" + port + "#1"; // 127.0.19.2 until it kisses, then the spare 127.0.19.5
        awaitSelected(member, Duration.ofSeconds(15));
        SimulatedNtpServer kisser = mesh.servers.stream().filter(s -> s.host().equals("127.0.19.2")).findFirst().orElseThrow();
        assertThat(kisser.requestCount()).as("asked once, never again").isEqualTo(1);
        assertThat(mesh.servers.stream().filter(s -> s.host().equals("127.0.19.5")).findFirst().orElseThrow()
                .requestCount()).isPositive();
    }
}
