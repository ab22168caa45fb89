package io.timemesh.selector;

import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's one active selector. Every instance queues for a cluster-wide lock and holds it for
 * the whole of its leadership; only the holder consumes samples, selects and publishes references,
 * so a second selector is a hot standby that takes over when the holder's node dies.
 */
public final class SelectorVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(SelectorVerticle.class);
    /** How long one attempt waits for the lock before trying again. */
    private static final long LOCK_WAIT_MILLIS = 5_000;

    private final TimeSource clock;
    private Selector selector;
    private Lock leadership;
    private boolean stopping;

    public SelectorVerticle(TimeSource clock) {
        this.clock = clock;
    }

    @Override
    public Future<?> start() {
        try {
            selector = new Selector(SelectorSettings.fromJson(config()));
        } catch (IllegalArgumentException | ClassCastException e) {
            return Future.failedFuture(new IllegalArgumentException("selector config: " + e.getMessage(), e));
        }
        awaitLeadership();
        return Future.succeededFuture();
    }

    private void awaitLeadership() {
        vertx.sharedData().getLockWithTimeout(EventBusAddresses.SELECTOR_LOCK, LOCK_WAIT_MILLIS)
                .onSuccess(lock -> {
                    if (stopping) {
                        lock.release();
                        return;
                    }
                    leadership = lock;
                    lead();
                })
                .onFailure(e -> {
                    if (!stopping) {
                        awaitLeadership(); // another node leads; keep queueing
                    }
                });
    }

    private void lead() {
        LOG.info("selector {} is the active selector", selector.settings().nodeName());
        var bus = vertx.eventBus();
        bus.<JsonObject>consumer(EventBusAddresses.SAMPLES, m -> {
            selector.onSample(m.body().mapTo(SourceSample.class));
            reselect();
        });
        bus.<JsonObject>consumer(EventBusAddresses.SOURCE_FAULTS, m -> {
            selector.onFault(m.body().mapTo(SourceFault.class));
            reselect();
        });
        bus.<JsonObject>consumer(EventBusAddresses.SELECTOR_SOURCES, m -> m.reply(new JsonArray(
                selector.sources(clock.nowNanos()).stream().map(JsonObject::mapFrom).toList())));
        bus.<JsonObject>consumer(EventBusAddresses.SELECTOR_STATUS, m -> m.reply(status(m.body())));
        vertx.setPeriodic(selector.settings().reselectMillis(), id -> reselect());
    }

    private void reselect() {
        Reference reference = selector.select(clock.nowNanos());
        vertx.eventBus().publish(EventBusAddresses.REFERENCE, JsonObject.mapFrom(reference));
    }

    /** Who the selector is and its recent decisions, newest first; the request may ask for {"decisions": N}. */
    private JsonObject status(JsonObject request) {
        int wanted = request == null ? 10 : request.getInteger("decisions", 10);
        List<Reference> history = selector.history();
        JsonArray decisions = new JsonArray();
        for (int i = history.size() - 1; i >= 0 && decisions.size() < wanted; i--) {
            decisions.add(JsonObject.mapFrom(history.get(i)));
        }
        return new JsonObject().put("selectorNode", selector.settings().nodeName()).put("decisions", decisions);
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        if (leadership != null) {
            leadership.release();
        }
        return Future.succeededFuture();
    }
}
