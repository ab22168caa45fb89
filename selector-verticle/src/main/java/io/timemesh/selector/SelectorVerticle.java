package io.timemesh.selector;

import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.time.TimeSource;
import io.timemesh.timebase.TimebaseLinks;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's one active selector. Every instance queues for a cluster-wide lock and holds it for
 * the whole of its leadership; only the holder consumes samples, selects and publishes references,
 * so a second selector is a hot standby that takes over when the holder's node dies. The holder
 * writes its state to a cluster map after every selection, and a new holder starts from it.
 */
public final class SelectorVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(SelectorVerticle.class);
    /** How long one attempt waits for the lock before trying again. */
    private static final long LOCK_WAIT_MILLIS = 5_000;
    static final String STATE_MAP = "timemesh.selector";
    static final String STATE_KEY = "state";

    private final TimeSource clock;
    private final int precisionLog2;
    private Selector selector;
    private TimebaseLinks links;
    private AsyncMap<String, JsonObject> stateMap;
    private Lock leadership;
    private boolean stopping;

    /**
     * @param clock         this node's local timescale
     * @param precisionLog2 how precisely it is read, for the timebase probes' dispersion
     */
    public SelectorVerticle(TimeSource clock, int precisionLog2) {
        this.clock = clock;
        this.precisionLog2 = precisionLog2;
    }

    @Override
    public Future<?> start() {
        try {
            selector = new Selector(SelectorSettings.fromJson(config()));
        } catch (IllegalArgumentException | ClassCastException e) {
            return Future.failedFuture(new IllegalArgumentException("selector config: " + e.getMessage(), e));
        }
        links = new TimebaseLinks(vertx, clock, selector.settings().nodeName(), precisionLog2);
        return vertx.sharedData().<String, JsonObject>getAsyncMap(STATE_MAP).onSuccess(map -> {
            stateMap = map;
            awaitLeadership();
        });
    }

    private void awaitLeadership() {
        vertx.sharedData().getLockWithTimeout(EventBusAddresses.SELECTOR_LOCK, LOCK_WAIT_MILLIS)
                .onSuccess(lock -> {
                    if (stopping) {
                        lock.release();
                        return;
                    }
                    leadership = lock;
                    stateMap.get(STATE_KEY).onComplete(previous -> {
                        if (previous.succeeded() && previous.result() != null) {
                            selector.restore(previous.result().mapTo(SelectorState.class));
                            LOG.info("selector {} continues from the previous selector's state",
                                    selector.settings().nodeName());
                        }
                        lead();
                    });
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
                selector.sources(clock.nowNanos(), links::link).stream().map(JsonObject::mapFrom).toList())));
        bus.<JsonObject>consumer(EventBusAddresses.SELECTOR_STATUS, m -> m.reply(status(m.body())));
        reselect(); // a successor speaks at once: the nodes are waiting for references
        vertx.setPeriodic(selector.settings().reselectMillis(), id -> reselect());
    }

    private void reselect() {
        Reference reference = selector.select(clock.nowNanos(), links::link);
        vertx.eventBus().publish(EventBusAddresses.REFERENCE, JsonObject.mapFrom(reference));
        stateMap.put(STATE_KEY, JsonObject.mapFrom(selector.state()));
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
