package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.timebase.MeshAuth;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An uninvited member in a running cluster of two real node processes that share a cluster key. It
 * knows the cluster's name and members, joins as a plain Vert.x Hazelcast member with no key, and
 * for 20 s: publishes forged references 100 s ahead (tampered, sealed under another key, or not
 * sealed at all), forged samples, replays of the genuine references it captured, forged timebase
 * probes, answers timebase probes for every node with forged timestamps, and overwrites the cluster maps (selector state and
 * lease, sampler leases, claims and poller state); the forgeries are counted in /metrics. Then, for
 * 10 s, it puts back genuine map values it read 3 s before: refused as replays, and nobody steps
 * down. Then it squats the selector lease alone; the squatter is named in /status. Every answer of
 * every node must hold the truth, never run back and overlap the others'; and once the intruder
 * leaves, every node is SYNCHRONIZED again.
 */
class MeshAttackIT {
    private static final double FORGED_OFFSET_SECONDS = 100;
    /** The cluster maps the intruder overwrites and puts old values back into. */
    private static final List<String> MAPS = List.of("timemesh.selector", "timemesh.samplers",
            "timemesh.sampler.claims", "timemesh.sampler.state", "timemesh.sampler.pollers");
    private static final DeliveryOptions PROBE_TIMEOUT = new DeliveryOptions().setSendTimeout(500);
    private static final Pattern REJECTED = Pattern.compile(
            "timemesh_mesh_rejected_total\\{channel=\"([^\"]+)\",reason=\"([^\"]+)\",?} ([0-9.E]+)");

    private final NodeProcesses nodes = new NodeProcesses("mesh-attack-it", 2);
    private Vertx intruder;

    @AfterEach
    void stop() throws Exception {
        if (intruder != null) {
            intruder.close().await();
        }
        nodes.close();
    }

    @Test
    void anUninvitedMemberCannotMoveAnyNodesTime() throws Exception {
        List<String> all = nodes.startSynchronised("127.0.8");
        List<String> identities = new ArrayList<>();
        for (String node : all) {
            identities.add(nodes.identity(node, Duration.ofSeconds(5)));
        }

        intruder = nodes.intruder();
        Attack attack = new Attack(intruder, identities, nodes.local);
        attack.start();
        ClusterRounds rounds = new ClusterRounds(nodes);
        long until = nodes.local.nowNanos() + TimeUnit.SECONDS.toNanos(20);
        while (nodes.local.nowNanos() < until) {
            rounds.round(all);
            TimeUnit.MILLISECONDS.sleep(50);
        }
        attack.stopForging();
        System.out.printf("forgery: %d rounds over %d nodes, %d violations, %d answers not SYNCHRONIZED, "
                        + "%d genuine references captured and replayed%n", rounds.queries / all.size(), all.size(),
                rounds.violations.size(), rounds.unsynchronized.size(), attack.captured.size());
        assertThat(rounds.violations).isEmpty();
        assertThat(rounds.unsynchronized).allSatisfy(u -> assertThat(u.status()).isNotEqualTo("UNSYNCHRONIZED"));
        assertThat(attack.captured).isNotEmpty();
        for (String node : all) {
            List<String> kinds = rejected(node);
            System.out.printf("%s counted: %s%n", node, kinds);
            assertThat(kinds).contains(EventBusAddresses.REFERENCE + " forged", EventBusAddresses.REFERENCE + " replayed",
                    EventBusAddresses.REFERENCE + " malformed", EventBusAddresses.TIMEBASE_PREFIX + "* unsigned");
        }

        // Genuine map values put back: the selector lease, the samplers' leases, claims and pollers' states
        // the intruder read 3 s before, every 100 ms for 10 s. Refused as replays; nobody steps down.
        List<String> leadersBefore = leaders(all);
        attack.replayMapValues();
        ClusterRounds replayed = new ClusterRounds(nodes);
        Set<String> refused = new TreeSet<>();
        until = nodes.local.nowNanos() + TimeUnit.SECONDS.toNanos(13);
        for (int round = 0; nodes.local.nowNanos() < until; round++) {
            replayed.round(all);
            if (round % 10 == 0) { // which map values each node has refused as replays so far
                for (String node : all) {
                    rejected(node).stream().filter(kind -> kind.endsWith(" replayed") && MAPS.contains(
                            kind.substring(0, kind.indexOf(' ')))).forEach(refused::add);
                }
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        attack.stopReplaying();
        List<String> leadersAfter = leaders(all);
        System.out.printf("map values replayed: %d values, %d rounds, %d violations, %d answers not SYNCHRONIZED, "
                        + "leaders %s then %s, refused %s%n", attack.oldValues.size(), replayed.queries / all.size(),
                replayed.violations.size(), replayed.unsynchronized.size(), leadersBefore, leadersAfter, refused);
        assertThat(attack.oldValues).containsKeys("timemesh.selector lease", "timemesh.samplers " + identities.get(0));
        assertThat(replayed.violations).isEmpty();
        assertThat(replayed.unsynchronized).allSatisfy(u -> assertThat(u.status()).isEqualTo("SYNCHRONIZED"));
        assertThat(leadersAfter).as("the same leader at the same epoch").isEqualTo(leadersBefore);
        // Which map a node reads while an old value sits in it depends on the phase of its reads against the
        // intruder's puts and the owners' rewrites: some node counts some put-back value as a replay.
        assertThat(refused).isNotEmpty();

        // The lease alone, rewritten every 20 ms: a loud denial of service at worst, never a wrong time.
        attack.squatLease();
        ClusterRounds squatted = new ClusterRounds(nodes);
        boolean reported = false;
        until = nodes.local.nowNanos() + TimeUnit.SECONDS.toNanos(10);
        while (nodes.local.nowNanos() < until) {
            squatted.round(all);
            JsonObject selection = nodes.status(all.get(0), 0).getJsonObject("selection");
            reported |= selection != null && selection.getJsonObject("leaseSquatter") != null
                    && selection.getJsonObject("leaseSquatter").getString("claims").equals("intruder");
            TimeUnit.MILLISECONDS.sleep(100);
        }
        attack.stopSquatting();
        System.out.printf("lease squatting: %d rounds, %d violations, %d answers not SYNCHRONIZED, reported: %s%n",
                squatted.queries / all.size(), squatted.violations.size(), squatted.unsynchronized.size(), reported);
        assertThat(squatted.violations).isEmpty();
        assertThat(reported).as("/status names the lease squatter").isTrue();
        nodes.awaitSynchronised(all, Duration.ofSeconds(20));
    }

    /**
     * What {@code node} has refused so far, from its /metrics: "channel reason" each, counted at least once (the
     * node registers some series at 0 before anything is refused).
     */
    private List<String> rejected(String node) throws Exception {
        List<String> kinds = new ArrayList<>();
        Matcher m = REJECTED.matcher(nodes.metrics(node));
        while (m.find()) {
            if (Double.parseDouble(m.group(3)) > 0) {
                kinds.add(m.group(1) + " " + m.group(2));
            }
        }
        return kinds;
    }

    /** Each node's followed leader and epoch, as its /status says. */
    private List<String> leaders(List<String> all) throws Exception {
        List<String> leaders = new ArrayList<>();
        for (String node : all) {
            JsonObject mesh = nodes.status(node, 0).getJsonObject("mesh");
            leaders.add(mesh.getString("leader") + "@" + mesh.getLong("epoch"));
        }
        return leaders;
    }

    /** What the intruder does, on its own event loop. */
    private static final class Attack {
        private final Vertx vertx;
        private final List<String> identities;
        /** A key of the intruder's own: it does not have the cluster's. */
        private final MeshAuth impostor;
        final List<JsonObject> captured = new CopyOnWriteArrayList<>();
        private long forging = -1;
        private long squatting = -1;

        Attack(Vertx vertx, List<String> identities, MonotonicTimescale clock) {
            this.vertx = vertx;
            this.identities = identities;
            this.impostor = MeshAuth.keyed(identities.get(0), ClusterKey.random(), clock);
        }

        void start() {
            // Sealed envelopes only: the bus also brings back this member's own unsigned forgeries, which have no body
            // to tamper with.
            vertx.eventBus().<JsonObject>consumer(EventBusAddresses.REFERENCE, m -> {
                if (m.body().getValue("body") instanceof String && m.body().containsKey("mac")) {
                    captured.add(m.body());
                }
            }).completion().await();
            for (String node : identities) { // answers for every node, with forged timestamps
                vertx.eventBus().<JsonObject>consumer(EventBusAddresses.timebase(node), m -> {
                    long nonce = m.body() == null ? 0 : m.body().getLong("nonce", 0L);
                    JsonObject forged = new JsonObject().put("node", node).put("nonce", nonce)
                            .put("t2", System.nanoTime() + 100_000_000_000L).put("t3", System.nanoTime() + 100_000_000_000L);
                    m.reply(nonce % 2 == 0 ? forged : impostorAs(node).seal(EventBusAddresses.timebase(node), forged));
                }).completion().await();
            }
            forging = vertx.setPeriodic(200, id -> forgeOnce());
        }

        private MeshAuth impostorAs(String node) {
            return MeshAuth.keyed(node, ClusterKey.random(), new MonotonicTimescale());
        }

        private void forgeOnce() {
            var bus = vertx.eventBus();
            if (!captured.isEmpty()) {
                JsonObject genuine = captured.get(captured.size() - 1);
                bus.publish(EventBusAddresses.REFERENCE, genuine.copy()); // a replay, verbatim
                bus.publish(EventBusAddresses.REFERENCE, captured.get(0).copy()); // an old one
                String selector = genuine.getString("from");
                JsonObject body = new JsonObject(genuine.getString("body"));
                JsonObject reference = body.getJsonObject("reference");
                JsonObject interval = reference.getJsonObject("interval");
                JsonObject id = reference.getJsonObject("id");
                reference.put("offsetSeconds", reference.getDouble("offsetSeconds") + FORGED_OFFSET_SECONDS);
                interval.put("low", interval.getDouble("low") + FORGED_OFFSET_SECONDS)
                        .put("high", interval.getDouble("high") + FORGED_OFFSET_SECONDS);
                id.put("sequence", id.getLong("sequence") + 1_000_000);
                body.put("epoch", Long.MAX_VALUE / 2);
                // Tampered: the genuine MAC over another body and a higher counter.
                bus.publish(EventBusAddresses.REFERENCE, genuine.copy().put("body", body.encode())
                        .put("ctr", genuine.getLong("ctr") + 1_000_000));
                // Sealed under a key of its own, in the selector's name.
                bus.publish(EventBusAddresses.REFERENCE, impostorAs(selector).seal(EventBusAddresses.REFERENCE, body));
                // The bare record, as before references were sealed.
                bus.publish(EventBusAddresses.REFERENCE, reference);
                // Samples in a real sampler's name, 100 s ahead.
                JsonObject sample = new JsonObject().put("source", "127.0.8.1:123").put("address", "127.0.8.1:123")
                        .put("samplerNode", identities.get(1)).put("interval", new JsonObject()
                                .put("low", FORGED_OFFSET_SECONDS - 0.001).put("high", FORGED_OFFSET_SECONDS + 0.001));
                JsonObject batch = new JsonObject().put("samples", new JsonArray().add(sample));
                bus.publish(EventBusAddresses.SAMPLES, impostorAs(identities.get(1)).seal(EventBusAddresses.SAMPLES, batch));
                bus.publish(EventBusAddresses.SAMPLES, batch);
            }
            for (String node : identities) { // probes the nodes would answer, were they genuine
                String address = EventBusAddresses.timebase(node);
                JsonObject probe = new JsonObject().put("nonce", 7L);
                bus.request(address, probe, PROBE_TIMEOUT);
                bus.request(address, JsonObject.of("from", "intruder", "ctr", 1, "body", probe.encode()), PROBE_TIMEOUT);
                bus.request(address, impostorAs(identities.get(0)).seal(address, probe), PROBE_TIMEOUT);
            }
            overwrite("timemesh.selector", "state", impostor.sealValue("timemesh.selector", "state", new JsonObject()
                    .put("sequence", Long.MAX_VALUE / 2)));
            overwrite("timemesh.samplers", "ghost", "ghost");
            for (String source : List.of("127.0.8.1", "127.0.8.2", "127.0.8.3")) {
                overwrite("timemesh.sampler.state", source, "{\"owner\":\"ghost\"}");
            }
            overwrite("timemesh.sampler.pollers", identities.get(1), "{\"pollers\":{}}");
        }

        private void overwrite(String map, String key, String value) {
            vertx.sharedData().<String, String>getAsyncMap(map).compose(m -> m.put(key, value));
        }

        void stopForging() {
            vertx.cancelTimer(forging);
        }

        /** "map key" → a genuine value read from the cluster maps, 3 s before it is put back. */
        final Map<String, String> oldValues = new ConcurrentHashMap<>();
        private long replaying = -1;

        void replayMapValues() throws Exception {
            for (String map : MAPS) {
                AsyncMap<String, String> m = vertx.sharedData().<String, String>getAsyncMap(map).await();
                m.entries().await().forEach((key, value) -> oldValues.put(map + " " + key, value));
            }
            TimeUnit.SECONDS.sleep(3);
            replaying = vertx.setPeriodic(100, id -> oldValues.forEach((mapKey, value) -> {
                String[] parts = mapKey.split(" ", 2);
                overwrite(parts[0], parts[1], value);
            }));
        }

        void stopReplaying() {
            vertx.cancelTimer(replaying);
        }

        void squatLease() {
            String forged = impostorSealedLease();
            squatting = vertx.setPeriodic(20, id -> vertx.sharedData().<String, String>getAsyncMap("timemesh.selector")
                    .compose((AsyncMap<String, String> m) -> m.put("lease", forged)));
        }

        private String impostorSealedLease() {
            return MeshAuth.keyed("intruder", ClusterKey.random(), new MonotonicTimescale()).sealValue("timemesh.selector",
                    "lease", new JsonObject().put("node", "intruder").put("epoch", Long.MAX_VALUE / 2).put("renewal", 0));
        }

        void stopSquatting() {
            vertx.cancelTimer(squatting);
        }
    }
}
