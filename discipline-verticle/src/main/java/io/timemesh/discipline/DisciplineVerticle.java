package io.timemesh.discipline;

import io.timemesh.core.settings.Settings;
import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.mesh.LeaderFence;
import io.timemesh.core.clock.PanicRefusals;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.Reference;
import io.timemesh.core.time.TimeSource;
import io.timemesh.core.time.TimebaseLink;
import io.timemesh.timebase.MeshAuth;
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
 * <p>A reference is applied only if {@link MeshAuth} finds it sealed by the selector it names, fresh,
 * and the {@link LeaderFence} finds its leadership epoch the one followed: so neither an uninvited
 * member nor a deposed selector can move this clock, and two selectors are never interleaved. What is
 * refused is counted by reason; a reference refused for its epoch also makes this node say, on
 * {@link EventBusAddresses#FENCE}, which leadership it follows, so that the lease holder can move above it. The reference is on the selector node's timescale; it is rebased to
 * this node's through the measured {@link TimebaseLinks} link (the selector→node exchange), whose
 * uncertainty widens the bound. References that arrive before the link to a (new) selector is measured
 * are skipped.
 */
public final class DisciplineVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(DisciplineVerticle.class);
    private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
    /** A node says which leadership it follows at most this often (each refused reference would ask). */
    private static final long FENCE_NOTICE_INTERVAL_NANOS = 1_000_000_000L;

    private final TimeSource clock;
    private final String node;
    private final int precisionLog2;
    private final MeshAuth auth;
    private final NodeCounters counters;
    private final LeaderFence fence = new LeaderFence();
    private long lastFenceNoticeNanos = Long.MIN_VALUE;
    private TimebaseLinks links;
    private VirtualClock virtualClock;
    private ClockStatus lastStatus = ClockStatus.UNSYNCHRONIZED;
    private long lastAppliedNanos = Long.MIN_VALUE;
    /** The epoch and sequence of the last reference applied, read together; null before the first. */
    private long[] lastApplied;
    /** What the selector→node link added to the last reference applied, each side, s: the timebase hop's share. */
    private double lastHopSeconds = Double.NaN;
    /** Refusals by the panic threshold are logged at most this often (a reference may come every second). */
    private static final long REFUSAL_LOG_INTERVAL_NANOS = 60_000_000_000L;
    private long loggedRefusals;
    private long lastRefusalLogNanos;

    /**
     * @param clock         this node's local timescale
     * @param auth          authenticates references; its node is this one
     * @param precisionLog2 how precisely the clock is read
     */
    public DisciplineVerticle(TimeSource clock, MeshAuth auth, int precisionLog2) {
        this(clock, auth, precisionLog2, NodeCounters.NONE);
    }

    /** @param counters where every step of the clock is counted */
    public DisciplineVerticle(TimeSource clock, MeshAuth auth, int precisionLog2, NodeCounters counters) {
        this.counters = counters;
        this.clock = clock;
        this.node = auth.node();
        this.auth = auth;
        this.precisionLog2 = precisionLog2;
    }

    @Override
    public Future<?> start() {
        try {
            virtualClock = new VirtualClock(Settings.bind(DisciplineSettings.class, config().encode()));
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new IllegalArgumentException("discipline config: " + e.getMessage(), e));
        }
        links = new TimebaseLinks(vertx, clock, auth, precisionLog2);
        var bus = vertx.eventBus();
        var current = bus.<JsonObject>localConsumer(EventBusAddresses.CLOCK_MODEL_REQUEST,
                m -> m.reply(JsonObject.mapFrom(virtualClock.model())));
        var mesh = bus.<JsonObject>localConsumer(EventBusAddresses.MESH_STATUS, m -> m.reply(meshStatus()));
        MeshAuth.Inbox inbox = auth.inbox(EventBusAddresses.REFERENCE);
        var references = bus.consumer(EventBusAddresses.REFERENCE,
                m -> inbox.open(m.body()).ifPresent(this::admit));
        return Future.all(current.completion(), mesh.completion(), references.completion());
    }

    /** An authentic reference: applied if it comes from the leader the fence follows. */
    private void admit(MeshAuth.Opened opened) {
        Reference reference;
        long epoch;
        try {
            epoch = opened.body().getLong("epoch");
            reference = opened.body().getJsonObject("reference").mapTo(Reference.class);
        } catch (RuntimeException e) { // sealed by a member, but not a reference: another version's?
            auth.reject(EventBusAddresses.REFERENCE, MeshAuth.Rejection.MALFORMED, "from " + opened.sender()
                    + ": " + e.getMessage());
            return;
        }
        if (!opened.sender().equals(reference.id().selectorNode())) {
            auth.reject(EventBusAddresses.REFERENCE, MeshAuth.Rejection.MISDIRECTED, opened.sender()
                    + " sent a reference of " + reference.id().selectorNode());
            return;
        }
        String followed = fence.leader();
        LeaderFence.Verdict verdict = fence.admit(epoch, opened.sender());
        switch (verdict) {
            case FOLLOWED -> {
                if (!opened.sender().equals(followed)) {
                    LOG.info("following selector {} (epoch {})", opened.sender(), epoch);
                }
                apply(reference, epoch);
            }
            case STALE_EPOCH -> {
                auth.reject(EventBusAddresses.REFERENCE, MeshAuth.Rejection.STALE_EPOCH, "reference "
                        + reference.id().sequence() + " of " + opened.sender() + " at epoch " + epoch
                        + " while following " + fence.leader() + " at epoch " + fence.epoch());
                noticeFence();
            }
            case EPOCH_CONFLICT -> {
                auth.reject(EventBusAddresses.REFERENCE, MeshAuth.Rejection.EPOCH_CONFLICT,
                        opened.sender() + " also claims epoch " + epoch + ", led by " + fence.leader());
                noticeFence();
            }
        }
    }

    /** Tells the selectors which leadership this node follows, at most once per interval. */
    private void noticeFence() {
        long now = clock.nowNanos();
        if (lastFenceNoticeNanos != Long.MIN_VALUE && now - lastFenceNoticeNanos < FENCE_NOTICE_INTERVAL_NANOS) {
            return;
        }
        lastFenceNoticeNanos = now;
        JsonObject followed = new JsonObject().put("leader", fence.leader()).put("epoch", fence.epoch());
        auth.publish(vertx.eventBus(), EventBusAddresses.FENCE, followed);
    }

    private void apply(Reference received, long epoch) {
        long now = clock.nowNanos();
        Optional<TimebaseLink> link = links.link(received.id().selectorNode());
        if (link.isEmpty()) {
            return; // the link to this selector is being measured; its next reference will do
        }
        lastAppliedNanos = now;
        lastApplied = new long[] {epoch, received.id().sequence()};
        Reference reference = link.get().rebase(received, now);
        lastHopSeconds = link.get().distanceAt(now);
        long refusedBefore = refusals(virtualClock.model());
        ClockModel model = virtualClock.update(reference, reference.id().timeNanos(), now);
        boolean refused = refusals(model) > refusedBefore;
        if (refused) {
            logRefusal(model.tracking().panic(), now);
        }
        ClockStatus status = model.status(now);
        if (status != lastStatus) {
            LOG.info("clock {} -> {} (reference {} from {}, {} of {} sources agree)", lastStatus, status,
                    reference.id().sequence(), reference.id().selectorNode(), reference.vote().agreeing(),
                    reference.vote().candidates());
            lastStatus = status;
        }
        if (reference.usable() && !refused && model.tracking().lastStep()) {
            LOG.info("stepped the clock by {} s", String.format("%+.9f", model.tracking().lastOffsetSeconds()));
            counters.clockStep(model.tracking().lastOffsetSeconds() >= 0);
        }
        vertx.eventBus().publish(EventBusAddresses.CLOCK_MODEL, JsonObject.mapFrom(model), LOCAL);
        vertx.eventBus().publish(EventBusAddresses.REFERENCE_APPLIED, JsonObject.mapFrom(received), LOCAL);
    }

    /**
     * Whether messages are authenticated, the leader followed and its epoch, how long ago its last
     * reference was applied (s, null before the first), that reference's epoch and sequence together
     * ({@code applied}), and every refusal by channel and reason.
     */
    private JsonObject meshStatus() {
        long now = clock.nowNanos();
        JsonObject rejected = new JsonObject();
        auth.rejections().forEach(rejected::put);
        return new JsonObject().put("authenticated", auth.authenticated()).put("leader", fence.leader())
                .put("epoch", fence.leader() == null ? null : fence.epoch())
                .put("lastReferenceAgeSeconds", lastAppliedNanos == Long.MIN_VALUE ? null : (now - lastAppliedNanos) / 1e9)
                .put("hopSeconds", Double.isNaN(lastHopSeconds) ? null : lastHopSeconds)
                .put("applied", lastApplied == null ? null
                        : new JsonObject().put("epoch", lastApplied[0]).put("sequence", lastApplied[1]))
                .put("rejected", rejected);
    }

    private static long refusals(ClockModel model) {
        return model.tracking().panic() == null ? 0 : model.tracking().panic().count();
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
