package io.timemesh.timebase;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.core.time.TimebaseLink;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real {@link TimebaseVerticle} on a Vert.x event bus: it answers genuine probes (also out of order),
 * and nothing forged, unsigned or replayed; a {@link TimebaseLinks} measures a link through it.
 */
class TimebaseProbeTest {
    private static final String ADDRESS = EventBusAddresses.timebase("node-b");
    private static final String CHANNEL = EventBusAddresses.TIMEBASE_PREFIX + "*";
    private static final DeliveryOptions SHORT = new DeliveryOptions().setSendTimeout(300);

    private final MonotonicTimescale clock = new MonotonicTimescale();
    private final ClusterKey key = ClusterKey.random();
    private final MeshAuth asker = MeshAuth.keyed("node-a", key, clock);
    private final MeshAuth responder = MeshAuth.keyed("node-b", key, clock);
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private boolean answered(Object probe) {
        try {
            Object reply = vertx.eventBus().request(ADDRESS, probe, SHORT).await().body();
            long nonce = new JsonObject(((JsonObject) probe).getString("body")).getLong("nonce");
            return asker.openReply(ADDRESS, CHANNEL, "node-b", nonce, reply).isPresent();
        } catch (RuntimeException e) {
            return false; // no answer: the request timed out
        }
    }

    @Test
    void onlyGenuineFreshProbesAreAnswered() throws Exception {
        vertx.deployVerticle(new TimebaseVerticle(clock, responder)).await();
        JsonObject first = asker.seal(ADDRESS, new JsonObject().put("nonce", 1L));
        JsonObject second = asker.seal(ADDRESS, new JsonObject().put("nonce", 2L));
        assertThat(answered(second)).isTrue();
        assertThat(answered(first)).as("sealed first, sent second (another verticle of the node)").isTrue();
        assertThat(answered(second.copy())).as("replayed").isFalse();

        MeshAuth outsider = MeshAuth.keyed("node-a", ClusterKey.random(), clock);
        assertThat(answered(outsider.seal(ADDRESS, new JsonObject().put("nonce", 3L)))).as("forged").isFalse();
        JsonObject unsigned = asker.seal(ADDRESS, new JsonObject().put("nonce", 4L));
        unsigned.remove("mac");
        assertThat(answered(unsigned)).as("unsigned").isFalse();
        JsonObject moved = asker.seal(EventBusAddresses.timebase("node-c"), new JsonObject().put("nonce", 5L));
        assertThat(answered(moved)).as("sealed for another node").isFalse();
        assertThat(responder.rejections()).containsEntry(CHANNEL + " replayed", 1L).containsEntry(CHANNEL + " forged", 2L)
                .containsEntry(CHANNEL + " unsigned", 1L);
    }

    @Test
    void aLinkIsMeasuredThroughSealedProbes() throws Exception {
        vertx.deployVerticle(new TimebaseVerticle(clock, responder)).await();
        TimebaseLinks links = new TimebaseLinks(vertx, clock, asker, -20);
        Context context = vertx.getOrCreateContext(); // the links are used from one context
        Optional<TimebaseLink> link = Optional.empty();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (link.isEmpty() && System.nanoTime() < deadline) {
            Promise<Optional<TimebaseLink>> asked = Promise.promise();
            context.runOnContext(v -> asked.complete(links.link("node-b")));
            link = asked.future().await();
            TimeUnit.MILLISECONDS.sleep(50);
        }
        assertThat(link).isPresent();
        assertThat(responder.rejections()).isEmpty();
    }

    /**
     * Liveness by challenge: a node that answers our sealed probes is answering; one that never does (gone,
     * or only its captured messages replayed by someone else) is given one window from the first question,
     * then is not.
     */
    @Test
    void onlyANodeAnsweringOurProbesStaysAnswering() throws Exception {
        vertx.deployVerticle(new TimebaseVerticle(clock, responder)).await();
        TimebaseLinks links = new TimebaseLinks(vertx, clock, asker, -20);
        Context context = vertx.getOrCreateContext();
        long window = TimeUnit.MILLISECONDS.toNanos(1_500);
        assertThat(answering(context, links, "node-b", window)).as("node-b, first asked").isTrue();
        assertThat(answering(context, links, "node-gone", window)).as("node-gone, first asked").isTrue();
        assertThat(answering(context, links, "node-a", 1)).as("this node").isTrue();
        TimeUnit.MILLISECONDS.sleep(2_500); // past the window, and past a probe round (1 s) for node-b
        assertThat(answering(context, links, "node-b", window)).isTrue();
        assertThat(answering(context, links, "node-gone", window)).isFalse();
        assertThat(asker.rejections().get(CHANNEL + " unanswered")).as("node-gone's probes, counted").isPositive();
    }

    private static boolean answering(Context context, TimebaseLinks links, String node, long windowNanos) {
        Promise<Boolean> asked = Promise.promise();
        context.runOnContext(v -> asked.complete(links.answeringWithin(node, windowNanos)));
        return asked.future().await();
    }
}
