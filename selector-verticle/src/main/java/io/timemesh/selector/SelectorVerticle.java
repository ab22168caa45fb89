package io.timemesh.selector;

import io.timemesh.core.settings.Settings;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SampleBatch;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.time.TimeSource;
import io.timemesh.timebase.MeshAuth;
import io.timemesh.timebase.TimebaseLinks;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's one active selector. Every instance runs for the lease in the cluster map (see
 * {@link SelectorLease}); only the holder consumes samples, selects and publishes references, each
 * sealed with its leadership's epoch, so a second selector is a hot standby that takes over when the
 * holder stops renewing. The holder writes its state to the cluster map after every selection, before
 * it publishes the reference (see {@link SelectionPublisher}), and a new holder starts from it. Every
 * message and map value it takes is authenticated by {@link MeshAuth}.
 */
public final class SelectorVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(SelectorVerticle.class);
    /** How often the leader renews its lease and a standby looks at it. */
    static final long LEASE_TICK_MILLIS = 500;
    /** A genuine lease unchanged this long (on the standby's clock) has lapsed. */
    static final long LEASE_TIMEOUT_MILLIS = 3_000;
    /** The leader publishes only this soon after a renewal began (on its clock): well inside the timeout. */
    static final long PUBLISH_WITHIN_MILLIS = 2_000;
    /** After a member joins, the merge settles this long before the leader's consumers are announced again. */
    private static final long ANNOUNCE_DELAY_MILLIS = 1_000;
    /** Time for the first timebase probe bursts to the samplers before the first selection as leader. */
    private static final long LINK_WARMUP_MILLIS = 300;
    static final String STATE_MAP = "timemesh.selector";
    static final String STATE_KEY = "state";
    static final String LEASE_KEY = "lease";
    /** A store that has not completed by then failed: the next selection tries again rather than none ever going out. */
    private static final long STORE_TIMEOUT_MILLIS = 2_000;

    private final TimeSource clock;
    private final int precisionLog2;
    private final MeshAuth auth;
    private final NodeCounters counters;
    private final Function<Vertx, Future<AsyncMap<String, String>>> stateMaps;
    private Selector selector;
    private SelectorLease lease;
    private TimebaseLinks links;
    private AsyncMap<String, String> stateMap;
    /** The lease value as the map holds it while we lead: what the next compare-and-set names. */
    private String heldValue;
    /** How often a stop reads the lease again to release it when a late value of ours landed meanwhile. */
    private static final int RELEASE_ATTEMPTS = 3;
    /** The lease operations under way (renewals, one outliving its tick, or a campaign), which a stop waits for. */
    private final Set<Future<?>> leaseWrites = new HashSet<>();
    /** The epoch of the candidate lease a campaign under way has sealed, else -1: a stop releases it if it landed. */
    private long campaigning = -1;
    private boolean ticking;
    private boolean leading;
    private boolean stopping;
    /** The writer the last squatter's lease value claimed, and when it was seen; for /status. */
    private String squatterClaim;
    private long squatterSeenNanos;
    /** A squatter's lease value is reported this long after it was last seen. */
    private static final long SQUATTER_REPORTED_NANOS = 60_000_000_000L;
    /** Requests from one node may come out of order: its API instances seal them concurrently. */
    private static final int REQUEST_WINDOW = 64;
    private final Map<String, MeshAuth.Inbox> inboxes = new HashMap<>();
    private final List<MessageConsumer<?>> consumers = new ArrayList<>();
    private long reselectTimer = -1;
    private SelectionPacer pacer;
    private final StateEncoder stateEncoder = new StateEncoder();
    private SelectionPublisher selections;

    /**
     * @param clock         this node's local timescale
     * @param auth          seals what this selector says and checks what it hears; its node is this one
     * @param precisionLog2 how precisely it is read, for the timebase probes' dispersion
     */
    public SelectorVerticle(TimeSource clock, MeshAuth auth, int precisionLog2) {
        this(clock, auth, precisionLog2, NodeCounters.NONE);
    }

    /** @param counters where every selection it makes while leading, and every falseticker verdict, is counted */
    public SelectorVerticle(TimeSource clock, MeshAuth auth, int precisionLog2, NodeCounters counters) {
        this(clock, auth, precisionLog2, counters, vertx -> vertx.sharedData().getAsyncMap(STATE_MAP));
    }

    /** @param stateMaps the map of the lease and the stored state, given the Vert.x; a test's, to order its operations */
    SelectorVerticle(TimeSource clock, MeshAuth auth, int precisionLog2, NodeCounters counters,
                     Function<Vertx, Future<AsyncMap<String, String>>> stateMaps) {
        this.counters = counters;
        this.clock = clock;
        this.auth = auth;
        this.precisionLog2 = precisionLog2;
        this.stateMaps = stateMaps;
    }

    @Override
    public Future<?> start() {
        try {
            selector = new Selector(Settings.bind(SelectorSettings.class, config().copy().put("nodeName", auth.node()).encode()));
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new IllegalArgumentException("selector config: " + e.getMessage(), e));
        }
        lease = new SelectorLease(auth.node(), TimeUnit.MILLISECONDS.toNanos(LEASE_TIMEOUT_MILLIS),
                TimeUnit.MILLISECONDS.toNanos(PUBLISH_WITHIN_MILLIS));
        pacer = new SelectionPacer(SelectionPacer.intervalFor(selector.settings().sources().size()));
        links = new TimebaseLinks(vertx, clock, auth, precisionLog2);
        MeshAuth.Inbox references = auth.inbox(EventBusAddresses.REFERENCE);
        var epochs = vertx.eventBus().consumer(EventBusAddresses.REFERENCE, m -> references.open(m.body())
                .ifPresent(o -> {
                    long epoch = o.body().getLong("epoch", 0L);
                    rivalHeard(o.sender(), epoch);
                    lease.leaderPublished(epoch, clock.nowNanos());
                }));
        // A node following a leadership we never saw (the other side of a healed split) says so.
        MeshAuth.Inbox fences = auth.inbox(EventBusAddresses.FENCE);
        var followed = vertx.eventBus().consumer(EventBusAddresses.FENCE, m -> fences.open(m.body())
                .ifPresent(o -> rivalHeard(o.body().getString("leader", ""), o.body().getLong("epoch", 0L))));
        var members = vertx.eventBus().localConsumer(EventBusAddresses.MEMBERS_CHANGED,
                m -> vertx.setTimer(ANNOUNCE_DELAY_MILLIS, id -> announce()));
        return Future.all(stateMaps.apply(vertx), epochs.completion(),
                        followed.completion(), members.completion())
                .onSuccess(all -> {
                    stateMap = all.resultAt(0);
                    tick();
                    vertx.setPeriodic(LEASE_TICK_MILLIS, id -> tick());
                });
    }

    /** One look at the lease: renew it while leading, else see whether it has lapsed. One at a time. */
    private void tick() {
        if (ticking || stopping) {
            return;
        }
        SelectorLease.Lease rival = leading ? lease.yieldDue() : null;
        if (rival != null) {
            LOG.warn("selector {} hears {} leading at epoch {}, above ours ({}); stepping down", auth.node(),
                    rival.node(), rival.epoch(), lease.held().epoch());
            stepDown();
            return;
        }
        ticking = true;
        Future<?> write = leading ? renew() : campaign();
        leaseWrites.add(write);
        write.onComplete(done -> leaseWrites.remove(write));
        write.timeout(2 * LEASE_TICK_MILLIS, TimeUnit.MILLISECONDS).onComplete(done -> ticking = false);
    }

    private Future<?> campaign() {
        return stateMap.get(LEASE_KEY).compose(raw -> {
            // Ours, from a leadership we stepped down from (a renewal of it can land late), is no replay.
            Optional<MeshAuth.Opened> opened = ownLease(raw).or(() -> auth.openValue(STATE_MAP, LEASE_KEY, raw));
            Optional<SelectorLease.Lease> genuine = genuineLease(raw, opened);
            // A lease of ours, which we do not hold, shows no live leader, however well we answer ourselves.
            boolean answers = genuine.isPresent() && !genuine.get().node().equals(auth.node())
                    && links.answeringWithin(genuine.get().node(), TimebaseLinks.ANSWER_WINDOW_NANOS);
            if (lease.observe(raw != null, genuine.orElse(null), opened.map(MeshAuth.Opened::counter).orElse(0L),
                    answers, clock.nowNanos()) != SelectorLease.Move.TAKE) {
                return Future.succeededFuture();
            }
            if (stopping) {
                return Future.succeededFuture(); // a stop under way releases only what it knows of
            }
            SelectorLease.Lease mine = lease.candidate();
            String value = seal(mine);
            campaigning = mine.epoch();
            long started = clock.nowNanos();
            Future<Boolean> taken = raw == null ? stateMap.putIfAbsent(LEASE_KEY, value).map(previous -> previous == null)
                    : stateMap.replaceIfPresent(LEASE_KEY, raw, value);
            return taken.onComplete(done -> campaigning = -1).onSuccess(won -> {
                if (won && !stopping) {
                    lease.held(mine, started);
                    heldValue = value;
                    LOG.info("selector {} holds the lease at epoch {}{}", auth.node(), mine.epoch(), genuine
                            .map(previous -> " (" + previous.node() + " stopped renewing it)").orElse(""));
                    takeOver(mine.epoch() - 1);
                }
            });
        });
    }

    /** What a renewal found. */
    private enum Renewal {
        /** Our value is in the map. */
        WRITTEN,
        /** No genuine rival holds the lease, but a squatter rewrote it before us: still ours to publish under. */
        OUTRUN,
        /** Another value came in between (perhaps a rival's): decided at the next tick. */
        UNDECIDED,
        /** A higher leadership holds it: we stepped down. */
        DEPOSED,
        /** We stopped leading meanwhile (deposed, or stopping): nothing more is written. */
        STOPPED
    }

    /** What a renewal found, and the lease it counts as renewed to (null unless WRITTEN or OUTRUN). */
    private record Renewed(Renewal outcome, SelectorLease.Lease lease) {}

    /**
     * Renews by compare-and-set; an absent or squatted value is written again, and so is a genuine one
     * of a lower leadership or a released one; only a higher one deposes us (see
     * {@link SelectorLease#yieldsTo}). A renewal that found no genuine rival counts for publishing even
     * when a squatter rewrote the lease first, so rewriting it faster than we can does not silence us
     * (standbys credit our references all the same). A renewal that outlives its tick runs beside the next one;
     * whichever completes last sets nothing back ({@link SelectorLease#renewed}).
     */
    private Future<?> renew() {
        SelectorLease.Lease next = lease.nextRenewal();
        String value = seal(next);
        long started = clock.nowNanos();
        return stateMap.replaceIfPresent(LEASE_KEY, heldValue, value)
                .compose(renewed -> renewed ? Future.succeededFuture(written(true, value, next, null)) : rewrite())
                .onSuccess(renewed -> {
                    if (!leading || renewed.lease() == null) {
                        return;
                    }
                    if (renewed.lease().epoch() > lease.held().epoch()) {
                        LOG.info("selector {} moves to epoch {}: another selector claimed epoch {}", auth.node(),
                                renewed.lease().epoch(), lease.held().epoch());
                    }
                    lease.renewed(renewed.lease(), started);
                });
    }

    /**
     * The lease was not our last value: reads it, and writes our next renewal unless a higher leadership holds it or
     * we stopped leading meanwhile. What it writes is made and sealed after that read, so it is newer than every value
     * the map held before, ours included, in its counter and in its lease (a value sealed before the read could land
     * over a newer one of ours, which every standby counted as a replay; seen once under load). A value of ours is known
     * as ours, not opened: opening it would count it as older than our last seal, a replay.
     */
    private Future<Renewed> rewrite() {
        return stateMap.get(LEASE_KEY).compose(raw -> {
            if (!leading) {
                return Future.succeededFuture(new Renewed(Renewal.STOPPED, null));
            }
            if (raw == null) {
                SelectorLease.Lease next = lease.nextRenewal();
                String value = seal(next);
                return stateMap.putIfAbsent(LEASE_KEY, value).map(previous -> written(previous == null, value, next,
                        Renewal.UNDECIDED));
            }
            if (ownLease(raw).isPresent()) {
                // A renewal beside this one wrote first, Hazelcast retried our swap after a migration, or an old value of
                // ours was put back: renew from it.
                heldValue = raw;
            } else {
                Optional<SelectorLease.Lease> genuine = genuineLease(raw, auth.openValue(STATE_MAP, LEASE_KEY, raw));
                if (genuine.isPresent() && !genuine.get().released() && lease.yieldsTo(genuine.get())) {
                    LOG.warn("selector {} finds {} leading at epoch {}; stepping down", auth.node(),
                            genuine.get().node(), genuine.get().epoch());
                    stepDown();
                    return Future.succeededFuture(new Renewed(Renewal.DEPOSED, null));
                } else if (genuine.isPresent()) {
                    lease.sawReference(genuine.get().node(), genuine.get().epoch()); // released, or below us: stay above
                }
            }
            // A squatter's, an old value put back, a released one, or a leadership below ours: ours again.
            SelectorLease.Lease next = lease.nextRenewal();
            String value = seal(next);
            return stateMap.replaceIfPresent(LEASE_KEY, raw, value)
                    .map(won -> written(won, value, next, Renewal.OUTRUN));
        });
    }

    /**
     * WRITTEN to {@code next}, with {@code value} the one the next compare-and-set names, if it was written (a late
     * completion can name an older value of ours: that compare-and-set then fails, and its rewrite finds ours);
     * else {@code lost}, which still counts as renewed to {@code next} if OUTRUN.
     */
    private Renewed written(boolean won, String value, SelectorLease.Lease next, Renewal lost) {
        if (won) {
            heldValue = value;
            return new Renewed(Renewal.WRITTEN, next);
        }
        return new Renewed(lost, lost == Renewal.OUTRUN ? next : null);
    }

    /** The lease value if genuinely sealed; a squatter's is counted by {@link MeshAuth} and its claim kept. */
    private Optional<SelectorLease.Lease> genuineLease(String raw, Optional<MeshAuth.Opened> opened) {
        if (raw != null && opened.isEmpty()) {
            squatterClaim = claimedWriter(raw);
            squatterSeenNanos = clock.nowNanos();
            return Optional.empty();
        }
        return opened.map(o -> o.body().mapTo(SelectorLease.Lease.class)).filter(l -> l.node().equals(opened.get().sender()));
    }

    private static String claimedWriter(String raw) {
        try {
            return String.valueOf(new JsonObject(raw).getValue("from"));
        } catch (RuntimeException e) {
            return "(unreadable)";
        }
    }

    private String seal(SelectorLease.Lease value) {
        return auth.sealValue(STATE_MAP, LEASE_KEY, JsonObject.mapFrom(value));
    }

    /**
     * The lease in {@code raw} if this node sealed it, however old (see {@link MeshAuth#openOwnValue}): a value of ours
     * that landed after we sealed a later one is ours, not a replay, and is not counted as one.
     */
    private Optional<MeshAuth.Opened> ownLease(String raw) {
        return auth.openOwnValue(STATE_MAP, LEASE_KEY, raw);
    }

    /**
     * Continues from the predecessor's stored state, measures the samplers' clocks, then leads. The state
     * is taken only if it was stored under {@code lastEpoch}, the highest leadership seen before ours: an
     * older one put back by an intruder would bring back sources' stale history.
     */
    private void takeOver(long lastEpoch) {
        leading = true;
        stateMap.get(STATE_KEY).onComplete(previous -> {
            Optional<MeshAuth.Opened> state = previous.succeeded()
                    ? auth.openValue(STATE_MAP, STATE_KEY, previous.result()) : Optional.empty();
            state.ifPresent(stored -> {
                try {
                    long epoch = stored.body().getLong("epoch");
                    if (epoch < lastEpoch) {
                        LOG.warn("selector {} ignores the state {} stored at epoch {}, below epoch {}: starting afresh",
                                auth.node(), stored.sender(), epoch, lastEpoch);
                        return;
                    }
                    selector.restore(stored.body().getJsonObject("state").mapTo(SelectorState.class));
                    LOG.info("selector {} continues from the state {} stored", auth.node(), stored.sender());
                } catch (RuntimeException e) { // e.g. written by another version: lead without it
                    LOG.warn("selector {} cannot read the previous state ({}); starting afresh", auth.node(),
                            e.getMessage());
                }
            });
            // Measure the samplers' clocks first: their samples only count once related to ours.
            selector.samplerNodes().forEach(links::link);
            vertx.setTimer(LINK_WARMUP_MILLIS, id -> {
                if (leading) {
                    lead();
                }
            });
        });
    }

    private void lead() {
        LOG.info("selector {} is the active selector", auth.node());
        var bus = vertx.eventBus();
        selections = new SelectionPublisher(selector, clock, links::link,
                this::store,
                this::publish);
        consume(EventBusAddresses.SAMPLES, SampleBatch.class, (sender, batch) -> {
            batch.samples().forEach(sample -> sampledBy(sample.samplerNode(), sender)); // all or none
            batch.auths().forEach(sourceAuth -> sampledBy(sourceAuth.samplerNode(), sender));
            batch.samples().forEach(selector::onSample);
            batch.auths().forEach(selector::onAuth); // after: each sample clears its source's
        });
        consume(EventBusAddresses.SOURCE_FAULTS, SourceFault.class, (sender, fault) -> {
            sampledBy(fault.samplerNode(), sender);
            selector.onFault(fault);
        });
        consumers.add(bus.<JsonObject>consumer(EventBusAddresses.SELECTOR_SOURCES, this::answerSources));
        consumers.add(bus.<JsonObject>consumer(EventBusAddresses.SELECTOR_STATUS, this::answerStatus));
        select(); // a successor speaks at once: the nodes are waiting for references
        long reselectMillis = selector.settings().selection().reselectMillis();
        reselectTimer = vertx.setPeriodic(reselectMillis, id -> {
            if (pacer.reselectDue(clock.nowNanos(), reselectMillis * 1_000_000L)) {
                select();
            }
        });
    }

    /**
     * Registers the leader's consumers once more, briefly, so that every member reads their registrations
     * again: a member that merged back after a split has none of those made while it was away in its
     * cache. The copies of the publish consumers ignore what they get (the originals take it); the
     * request consumers' copies answer like the originals, since a request may be routed to either.
     */
    private void announce() {
        if (!leading || selections == null) {
            return;
        }
        var bus = vertx.eventBus();
        List<MessageConsumer<?>> copies = new ArrayList<>();
        copies.add(bus.consumer(EventBusAddresses.SAMPLES, m -> { }));
        copies.add(bus.consumer(EventBusAddresses.SOURCE_FAULTS, m -> { }));
        copies.add(bus.<JsonObject>consumer(EventBusAddresses.SELECTOR_SOURCES, this::answerSources));
        copies.add(bus.<JsonObject>consumer(EventBusAddresses.SELECTOR_STATUS, this::answerStatus));
        Future.join(copies.stream().map(MessageConsumer::completion).toList())
                .onComplete(done -> copies.forEach(MessageConsumer::unregister));
    }

    private void answerSources(Message<JsonObject> m) {
        // Encoded straight from the records: JsonObject.mapFrom would first build a map of every field.
        request(m).ifPresent(asked -> answer(m, asked, new JsonArray(new ArrayList<>(selector.sources(clock.nowNanos(),
                links::link)))));
    }

    private void answerStatus(Message<JsonObject> m) {
        request(m).ifPresent(asked -> answer(m, asked, status(asked)));
    }

    /**
     * The request's body if it is sealed by a member and fresh; else empty (refused and counted: the asker
     * times out), so an outsider cannot make the selector build and seal answers on the context that
     * renews its lease. A node's API instances ask concurrently, hence the window.
     */
    private Optional<JsonObject> request(Message<JsonObject> m) {
        return inboxes.computeIfAbsent("request " + m.address(), k -> auth.inbox(m.address(), m.address(), REQUEST_WINDOW))
                .open(m.body()).map(MeshAuth.Opened::body);
    }

    /**
     * Replies sealed, {@code {"nonce": the request's, "answer": ...}}: the asker takes it only from a
     * member and for its own request (see {@link MeshAuth#openReply}).
     */
    private void answer(Message<JsonObject> m, JsonObject asked, Object answer) {
        m.reply(auth.seal(m.address(), new JsonObject().put("nonce", asked.getValue("nonce")).put("answer", answer)));
    }

    /** A sampler speaks only for itself: its samples are on its own timescale. */
    private static void sampledBy(String samplerNode, String sender) {
        if (!sender.equals(samplerNode)) {
            throw new IllegalArgumentException("sent for sampler " + samplerNode);
        }
    }

    /**
     * Takes the authentic, fresh messages on {@code address}, each body read as a {@code type}, with its sender;
     * one that is no {@code type}, or that the handler refuses with an {@link IllegalArgumentException}, is
     * dropped as malformed.
     */
    private <T> void consume(String address, Class<T> type, BiConsumer<String, T> handler) {
        // One inbox per address for the verticle's life: a fresh one at each leadership would take every
        // sampler's last message again.
        MeshAuth.Inbox inbox = inboxes.computeIfAbsent(address, auth::inbox);
        consumers.add(vertx.eventBus().consumer(address, m -> inbox.open(m.body(), type).ifPresent(opened -> {
            try {
                handler.accept(opened.sender(), opened.body());
            } catch (IllegalArgumentException e) {
                auth.reject(address, MeshAuth.Rejection.MALFORMED, "from " + opened.sender() + ": " + e.getMessage());
                return;
            }
            changed();
        })));
    }

    /** Stores the selector's state, sealed with the epoch it leads under: {@code {"epoch": E, "state": {...}}}. */
    private Future<?> store(SelectorState state) {
        SelectorLease.Lease held = lease.held();
        if (held == null) {
            return Future.failedFuture("no longer leading");
        }
        if (!vertx.isClustered()) {
            // A node without a cluster has no other process to take over, and a successor in this one starts
            // a new epoch, which fences by itself; encoding and sealing the state (about 1 MB at 1,000 sources)
            // before every reference was a third of such a node's CPU.
            return Future.succeededFuture();
        }
        return stateMap.put(STATE_KEY, auth.sealValueText(STATE_MAP, STATE_KEY, stateEncoder.encode(held.epoch(), state)))
                .timeout(STORE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Sealed with the epoch, and only while the lease is surely ours: a stalled leader stays silent. */
    private void publish(Reference reference) {
        counters.selection(reference);
        long now = clock.nowNanos();
        if (!lease.mayPublish(now)) {
            LOG.warn("selector {} holds reference {} back: its lease was last renewed too long ago", auth.node(),
                    reference.id().sequence());
            return;
        }
        // Encoded straight from the record: JsonObject.mapFrom would first build a map of every survivor's fields.
        JsonObject body = new JsonObject().put("epoch", lease.held().epoch()).put("reference", reference);
        auth.publish(vertx.eventBus(), EventBusAddresses.REFERENCE, body);
    }

    /**
     * Another leadership heard of: noted, with whether its selector has a measured timebase link to us and
     * answers our probes (proof it is alive); see {@link SelectorLease#rivalHeard}.
     */
    private void rivalHeard(String node, long epoch) {
        boolean rival = leading && !node.equals(auth.node());
        lease.rivalHeard(node, epoch, rival && links.link(node).isPresent()
                && links.answeringWithin(node, TimebaseLinks.ANSWER_WINDOW_NANOS), clock.nowNanos());
    }

    private void stepDown() {
        leading = false;
        vertx.cancelTimer(reselectTimer);
        if (selections != null) {
            selections.stop();
        }
        consumers.forEach(MessageConsumer::unregister);
        consumers.clear();
        lease.lost();
    }

    /** A sample or fault came in: select now, or once the pacer's interval is up. */
    private void changed() {
        long wait = pacer.onChange(clock.nowNanos());
        if (wait == 0) {
            select();
        } else if (wait > 0) {
            vertx.setTimer(Math.max(1, wait / 1_000_000), id -> {
                if (pacer.due()) { // else a reselection covered it meanwhile
                    select();
                }
            });
        }
    }

    /** A selection for every change so far (a no-op once leadership has ended). */
    private void select() {
        pacer.selected(clock.nowNanos());
        selections.select();
    }

    /**
     * Who the selector is, its epoch, the last squatter's lease value seen in the last minute
     * ({@code {"claims": writer, "secondsAgo": s}}, else null), and its recent decisions, newest first;
     * the request may ask for {"decisions": N}.
     */
    private JsonObject status(JsonObject request) {
        int wanted = request == null ? 10 : request.getInteger("decisions", 10);
        List<Reference> history = selector.history();
        JsonArray decisions = new JsonArray();
        for (int i = history.size() - 1; i >= 0 && decisions.size() < wanted; i--) {
            decisions.add(DecisionJson.of(history.get(i)));
        }
        return new JsonObject().put("selectorNode", auth.node()).put("epoch", lease.held() == null ? null
                        : lease.held().epoch()).put("leaseSquatter", squatter()).put("decisions", decisions);
    }

    private JsonObject squatter() {
        long age = clock.nowNanos() - squatterSeenNanos;
        return squatterClaim == null || age > SQUATTER_REPORTED_NANOS ? null
                : new JsonObject().put("claims", squatterClaim).put("secondsAgo", age / 1e9);
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        // Only the leadership we hold, or the one a campaign under way asks for, is ours to release: an older lease of
        // ours (an intruder can put one back) released now would look to standbys like a leader stepping down.
        long releasable = leading ? lease.held().epoch() : campaigning;
        if (leading) {
            stepDown();
        }
        if (stateMap == null || releasable < 0) {
            return Future.succeededFuture();
        }
        // Let a successor take over at once rather than after the timeout: once the lease operations under way are done
        // (a renewal or a campaign can still land a value of ours), a live lease of ours in the map is replaced by its
        // release, a sealed "released" value rather than a deletion, which anyone could make. Not after the lease's
        // timeout, when it has lapsed anyway: a map cut off from the cluster must not hold the stop up.
        return Future.join(List.copyOf(leaseWrites)).transform(done -> release(releasable, RELEASE_ATTEMPTS))
                .timeout(LEASE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).otherwiseEmpty();
    }

    /**
     * Replaces a live lease of ours at {@code epoch} or above in the map by its release, reading again if a late value
     * of ours lands between.
     */
    private Future<?> release(long epoch, int attempts) {
        return stateMap.get(LEASE_KEY).compose(raw -> ownLease(raw)
                .map(ours -> ours.body().mapTo(SelectorLease.Lease.class))
                .filter(ours -> !ours.released() && ours.epoch() >= epoch)
                .<Future<?>>map(ours -> stateMap.replaceIfPresent(LEASE_KEY, raw, seal(ours.release()))
                        .compose(done -> done || attempts == 1 ? Future.succeededFuture() : release(epoch, attempts - 1)))
                .orElse(Future.succeededFuture()));
    }
}
