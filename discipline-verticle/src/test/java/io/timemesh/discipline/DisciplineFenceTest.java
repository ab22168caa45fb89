package io.timemesh.discipline;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.Reference;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.core.time.OffsetInterval;
import io.timemesh.timebase.MeshAuth;
import io.timemesh.testkit.CountingCounters;
import io.timemesh.timebase.TimebaseVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two genuine selectors publishing at once, as after a stall or during a split: a real discipline
 * applies one leader's references only, never interleaving them, counts the other's as fenced, and
 * says (sealed, at most once a second) which leadership it follows. Also: the discipline counts each step it
 * makes, with its direction.
 */
class DisciplineFenceTest {
    private final MonotonicTimescale clock = new MonotonicTimescale();
    private final ClusterKey key = ClusterKey.random();
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    /** A usable reference of {@code selector}: true time {@code offset} s ahead, ±1 ms. */
    private JsonObject reference(String selector, long sequence, double offset) {
        return JsonObject.mapFrom(new Reference(new Reference.Identity(selector, sequence, clock.nowNanos(), clock.nowNanos()),
                Reference.Status.MAJORITY, offset, OffsetInterval.around(offset, 0.001), new OffsetInterval(offset, offset),
                new Reference.Vote(3, 3, List.of(), List.of(), List.of()),
                new Reference.Peer(1, LeapIndicator.NO_WARNING, "127.0.0.1:123", null, 0.001)));
    }

    @Test
    void twoSelectorsPublishingAtOnceAreNeverInterleaved() throws Exception {
        MeshAuth a = MeshAuth.keyed("sel-a", key, clock);
        MeshAuth b = MeshAuth.keyed("sel-b", key, clock);
        MeshAuth node = MeshAuth.keyed("node", key, clock);
        vertx.deployVerticle(new TimebaseVerticle(clock, a)).await();
        vertx.deployVerticle(new TimebaseVerticle(clock, b)).await();
        vertx.deployVerticle(new TimebaseVerticle(clock, node)).await();
        vertx.deployVerticle(new DisciplineVerticle(clock, node, -20)).await();
        List<String> applied = new CopyOnWriteArrayList<>();
        vertx.eventBus().<JsonObject>localConsumer(EventBusAddresses.REFERENCE_APPLIED,
                m -> applied.add(m.body().getJsonObject("id").getString("selectorNode"))).completion().await();
        List<JsonObject> notices = new CopyOnWriteArrayList<>();
        MeshAuth.Inbox fences = a.inbox(EventBusAddresses.FENCE);
        vertx.eventBus().consumer(EventBusAddresses.FENCE, m -> fences.open(m.body())
                .ifPresent(o -> notices.add(o.body().put("from", o.sender())))).completion().await();

        // sel-a leads at epoch 1 (40 references, and more until the node has measured its link to sel-a and applied
        // one); then sel-b publishes at epoch 2 as well (80 rounds, and more until over 40 of sel-b's were applied and
        // 70 of sel-a's refused): how soon a link is measured is up to the machine's load, so counts of rounds are
        // floors, not the window.
        String stale = EventBusAddresses.REFERENCE + " stale-epoch";
        int i = 0;
        for (; i < 40 || (applied.isEmpty() && i < 1_000); i++) {
            vertx.eventBus().publish(EventBusAddresses.REFERENCE, a.seal(EventBusAddresses.REFERENCE,
                    new JsonObject().put("epoch", 1).put("reference", reference("sel-a", i, 1.0))));
            TimeUnit.MILLISECONDS.sleep(15);
        }
        long rival = System.nanoTime();
        for (int both = 0; both < 80 || ((applied.stream().filter("sel-b"::equals).count() <= 40
                || node.rejections().getOrDefault(stale, 0L) < 70) && both < 1_000); both++, i++) {
            vertx.eventBus().publish(EventBusAddresses.REFERENCE, a.seal(EventBusAddresses.REFERENCE,
                    new JsonObject().put("epoch", 1).put("reference", reference("sel-a", i, 1.0))));
            vertx.eventBus().publish(EventBusAddresses.REFERENCE, b.seal(EventBusAddresses.REFERENCE,
                    new JsonObject().put("epoch", 2).put("reference", reference("sel-b", i, 2.0))));
            TimeUnit.MILLISECONDS.sleep(15);
        }
        TimeUnit.MILLISECONDS.sleep(100);
        double rivalSeconds = (System.nanoTime() - rival) / 1e9;

        int firstB = applied.indexOf("sel-b");
        assertThat(applied.subList(0, firstB)).isNotEmpty().containsOnly("sel-a");
        assertThat(applied.subList(firstB, applied.size())).hasSizeGreaterThan(40).containsOnly("sel-b");
        assertThat(node.rejections().getOrDefault(stale, 0L)).isGreaterThanOrEqualTo(70);
        JsonObject mesh = vertx.eventBus().<JsonObject>request(EventBusAddresses.MESH_STATUS, null).await().body();
        assertThat(mesh.getString("leader")).isEqualTo("sel-b");
        assertThat(mesh.getLong("epoch")).isEqualTo(2);
        // sel-b is another node (on the same clock here): its link's δ/2 + ε widened what was applied.
        assertThat(mesh.getDouble("hopSeconds")).isPositive().isLessThan(0.05);
        // About 80 refused references in 1.2 s (longer on a loaded machine): one notice a second at most, each naming
        // the leadership followed.
        assertThat(notices).hasSizeBetween(1, 1 + (int) rivalSeconds).allSatisfy(n -> assertThat(n).isEqualTo(
                new JsonObject().put("leader", "sel-b").put("epoch", 2L).put("from", "node")));
    }

    /** Each step of the clock is counted with its direction; a slew is not a step. */
    @Test
    void stepsAreCountedForwardAndBackward() throws Exception {
        MeshAuth a = MeshAuth.keyed("sel-a", key, clock);
        MeshAuth node = MeshAuth.keyed("node", key, clock);
        vertx.deployVerticle(new TimebaseVerticle(clock, a)).await();
        vertx.deployVerticle(new TimebaseVerticle(clock, node)).await();
        CountingCounters counters = new CountingCounters();
        vertx.deployVerticle(new DisciplineVerticle(clock, node, -20, counters)).await();
        AtomicInteger applied = new AtomicInteger();
        vertx.eventBus().localConsumer(EventBusAddresses.REFERENCE_APPLIED, m -> applied.incrementAndGet())
                .completion().await();
        long sequence = 0;
        // Until the link to sel-a is measured references are dropped, so the first is sent until one applies (the
        // clock stepped 1 s forward). Those sent meanwhile may apply too, and while the discipline converges it steps
        // for errors of microseconds: the counts are taken once they have all arrived.
        for (int i = 0; i < 200 && applied.get() == 0; i++) {
            vertx.eventBus().publish(EventBusAddresses.REFERENCE, a.seal(EventBusAddresses.REFERENCE,
                    new JsonObject().put("epoch", 1).put("reference", reference("sel-a", sequence++, 1.0))));
            TimeUnit.MILLISECONDS.sleep(20);
        }
        assertThat(applied).as("a reference applied once the link was measured").doesNotHaveValue(0);
        TimeUnit.MILLISECONDS.sleep(200);
        assertThat(counters.get("step:forward")).as("the first reference steps").isPositive();
        long forward = counters.get("step:forward");
        long backward = counters.get("step:backward");
        // Then one reference each, 1 s further forward and 1.5 s back (each above the 0.128 s step threshold), each
        // waited for before the next is sent.
        for (double offset : new double[] {2.0, 0.5}) {
            int before = applied.get();
            vertx.eventBus().publish(EventBusAddresses.REFERENCE, a.seal(EventBusAddresses.REFERENCE,
                    new JsonObject().put("epoch", 1).put("reference", reference("sel-a", sequence++, offset))));
            for (int i = 0; i < 500 && applied.get() == before; i++) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
            assertThat(applied.get()).as("the reference of %s s applied", offset).isEqualTo(before + 1);
        }
        assertThat(counters.get("step:forward")).isEqualTo(forward + 1);
        assertThat(counters.get("step:backward")).isEqualTo(backward + 1);
    }
}
