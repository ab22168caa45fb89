package io.timemesh.discipline;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.PanicRefusals;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.Reference;
import io.timemesh.core.time.TimeSource;
import io.timemesh.core.time.TimebaseLink;
import io.timemesh.timebase.TimebaseLinks;
import java.util.Optional;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the selector's references into this node's {@link VirtualClock} and publishes each new
 * {@link ClockModel} to the node's own API (node-local), which reads time from it without a hop.
 *
 * <p>The reference is on the selector node's timescale; it is rebased to this node's through the
 * measured {@link TimebaseLinks} link (the selector→node exchange), whose uncertainty widens the bound.
 * References that arrive before the link to a (new) selector is measured are skipped.
 */
public final class DisciplineVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(DisciplineVerticle.class);
    private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

    private final TimeSource clock;
    private final String node;
    private final int precisionLog2;
    private TimebaseLinks links;
    private VirtualClock virtualClock;
    private ClockStatus lastStatus = ClockStatus.UNSYNCHRONIZED;
    /** Refusals by the panic threshold are logged at most this often (a reference may come every second). */
    private static final long REFUSAL_LOG_INTERVAL_NANOS = 60_000_000_000L;
    private long loggedRefusals;
    private long lastRefusalLogNanos;

    /**
     * @param clock         this node's local timescale
     * @param node          this node's name
     * @param precisionLog2 how precisely the clock is read
     */
    public DisciplineVerticle(TimeSource clock, String node, int precisionLog2) {
        this.clock = clock;
        this.node = node;
        this.precisionLog2 = precisionLog2;
    }

    @Override
    public Future<?> start() {
        try {
            virtualClock = new VirtualClock(DisciplineSettings.fromJson(config()));
        } catch (IllegalArgumentException | ClassCastException e) {
            return Future.failedFuture(new IllegalArgumentException("discipline config: " + e.getMessage(), e));
        }
        links = new TimebaseLinks(vertx, clock, node, precisionLog2);
        var bus = vertx.eventBus();
        var current = bus.<JsonObject>localConsumer(EventBusAddresses.CLOCK_MODEL_REQUEST,
                m -> m.reply(JsonObject.mapFrom(virtualClock.model())));
        var references = bus.<JsonObject>consumer(EventBusAddresses.REFERENCE,
                m -> apply(m.body().mapTo(Reference.class)));
        return Future.all(current.completion(), references.completion());
    }

    private void apply(Reference received) {
        long now = clock.nowNanos();
        Optional<TimebaseLink> link = links.link(received.selectorNode());
        if (link.isEmpty()) {
            return; // the link to this selector is being measured; its next reference will do
        }
        Reference reference = link.get().rebase(received, now);
        long refusedBefore = refusals(virtualClock.model());
        ClockModel model = virtualClock.update(reference, reference.timeNanos(), now);
        boolean refused = refusals(model) > refusedBefore;
        if (refused) {
            logRefusal(model.panic(), now);
        }
        ClockStatus status = model.status(now);
        if (status != lastStatus) {
            LOG.info("clock {} -> {} (reference {} from {}, {} of {} sources agree)", lastStatus, status,
                    reference.sequence(), reference.selectorNode(), reference.agreeing(), reference.candidates());
            lastStatus = status;
        }
        if (reference.usable() && !refused && model.lastStep()) {
            LOG.info("stepped the clock by {} s", String.format("%+.9f", model.lastOffsetSeconds()));
        }
        vertx.eventBus().publish(EventBusAddresses.CLOCK_MODEL, JsonObject.mapFrom(model), LOCAL);
    }

    private static long refusals(ClockModel model) {
        return model.panic() == null ? 0 : model.panic().count();
    }

    /** Says so at the first refusal and then at most once a minute, with how many came in between. */
    private void logRefusal(PanicRefusals panic, long nowNanos) {
        if (loggedRefusals > 0 && nowNanos - lastRefusalLogNanos < REFUSAL_LOG_INTERVAL_NANOS) {
            return;
        }
        LOG.warn("refused a reference that would move the clock by {} s (panic threshold {} s, system peer {}; "
                        + "{} refused in all, {} since the last report): holding the clock. Set "
                        + "discipline.panicThresholdSeconds to 0, or restart the node, to take it",
                String.format("%+.3f", panic.lastOffsetSeconds()), panic.thresholdSeconds(), panic.lastSystemPeer(),
                panic.count(), panic.count() - loggedRefusals);
        loggedRefusals = panic.count();
        lastRefusalLogNanos = nowNanos;
    }
}
