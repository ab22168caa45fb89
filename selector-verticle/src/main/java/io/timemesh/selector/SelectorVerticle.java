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
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's one active selector. Every instance queues for a cluster-wide lock and holds it for
 * the whole of its leadership; only the holder consumes samples, selects and publishes references,
 * so a second selector is a hot standby that takes over when the holder's node dies. The holder
 * writes its state to a cluster map after every selection, before it publishes the reference (see
 * {@link SelectionPublisher}), and a new holder starts from it.
 */
public final class SelectorVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(SelectorVerticle.class);
    /** How long one attempt waits for the lock before trying again. */
    private static final long LOCK_WAIT_MILLIS = 5_000;
    /** Time for the first timebase probe bursts to the samplers before the first selection as leader. */
    private static final long LINK_WARMUP_MILLIS = 300;
    static final String STATE_MAP = "timemesh.selector";
    static final String STATE_KEY = "state";
    /** Who leads: a selector that finds another name here (it stalled, was dropped and rejoined) steps down. */
    static final String LEADER_KEY = "leader";
    /** A store that has not completed by then failed: the next selection tries again rather than none ever going out. */
    private static final long STORE_TIMEOUT_MILLIS = 2_000;

    private final TimeSource clock;
    private final int precisionLog2;
    private Selector selector;
    private TimebaseLinks links;
    private AsyncMap<String, JsonObject> stateMap;
    private Lock leadership;
    private boolean stopping;
    private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
    private long reselectTimer = -1;
    private SelectionPacer pacer;
    private SelectionPublisher selections;

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
        pacer = new SelectionPacer(SelectionPacer.intervalFor(selector.settings().sources().size()));
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
                            try {
                                selector.restore(previous.result().mapTo(SelectorState.class));
                                LOG.info("selector {} continues from the previous selector's state",
                                        selector.settings().nodeName());
                            } catch (RuntimeException e) { // e.g. written by another version: lead without it
                                LOG.warn("selector {} cannot read the previous state ({}); starting afresh",
                                        selector.settings().nodeName(), e.getMessage());
                            }
                        }
                        // Measure the samplers' clocks first: their samples only count once related to ours.
                        selector.samplerNodes().forEach(links::link);
                        vertx.setTimer(LINK_WARMUP_MILLIS, id -> lead());
                    });
                })
                .onFailure(e -> {
                    if (!stopping) {
                        awaitLeadership(); // another node leads; keep queueing
                    }
                });
    }

    private void lead() {
        String self = selector.settings().nodeName();
        LOG.info("selector {} is the active selector", self);
        stateMap.put(LEADER_KEY, new JsonObject().put("node", self));
        var bus = vertx.eventBus();
        selections = new SelectionPublisher(selector, clock, links::link,
                state -> stateMap.put(STATE_KEY, JsonObject.mapFrom(state)).timeout(STORE_TIMEOUT_MILLIS,
                        TimeUnit.MILLISECONDS),
                reference -> bus.publish(EventBusAddresses.REFERENCE, JsonObject.mapFrom(reference)));
        consumers.add(bus.<JsonObject>consumer(EventBusAddresses.SAMPLES, m -> {
            selector.onSample(m.body().mapTo(SourceSample.class));
            changed();
        }));
        consumers.add(bus.<JsonObject>consumer(EventBusAddresses.SOURCE_FAULTS, m -> {
            selector.onFault(m.body().mapTo(SourceFault.class));
            changed();
        }));
        consumers.add(bus.<JsonObject>consumer(EventBusAddresses.SELECTOR_SOURCES, m -> m.reply(new JsonArray(
                selector.sources(clock.nowNanos(), links::link).stream().map(JsonObject::mapFrom).toList()))));
        consumers.add(bus.<JsonObject>consumer(EventBusAddresses.SELECTOR_STATUS, m -> m.reply(status(m.body()))));
        select(); // a successor speaks at once: the nodes are waiting for references
        reselectTimer = vertx.setPeriodic(selector.settings().reselectMillis(), id -> checkLeadership());
    }

    /** Still the leader? Another name in the leader entry means we were dropped and someone took over. */
    private void checkLeadership() {
        stateMap.get(LEADER_KEY).onSuccess(leader -> {
            String self = selector.settings().nodeName();
            if (leader != null && !self.equals(leader.getString("node"))) {
                LOG.warn("selector {} finds {} leading; stepping down", self, leader.getString("node"));
                stepDown();
            } else {
                select();
            }
        });
    }

    private void stepDown() {
        vertx.cancelTimer(reselectTimer);
        selections.stop();
        consumers.forEach(MessageConsumer::unregister);
        consumers.clear();
        try {
            leadership.release();
        } catch (RuntimeException e) {
            // the cluster already took it back when it dropped us
        }
        leadership = null;
        awaitLeadership();
    }

    /** A sample or fault came in: select now, or once the pacer's interval is up. */
    private void changed() {
        long wait = pacer.onChange(clock.nowNanos());
        if (wait == 0) {
            select();
        } else if (wait > 0) {
            vertx.setTimer(Math.max(1, wait / 1_000_000), id -> select());
        }
    }

    /** A selection for every change so far (a no-op once leadership has ended). */
    private void select() {
        pacer.selected(clock.nowNanos());
        selections.select();
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
        if (selections != null) {
            selections.stop();
        }
        if (leadership != null) {
            leadership.release();
        }
        return Future.succeededFuture();
    }
}
