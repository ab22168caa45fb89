package io.timemesh.sampler;

import io.timemesh.core.settings.Settings;
import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.mesh.Renewals;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SampleBatch;
import io.timemesh.core.message.SourceAuth;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.nts.NtsClientSession;
import io.timemesh.core.time.TimeSource;
import io.timemesh.core.time.TimebaseLink;
import io.timemesh.timebase.MeshAuth;
import io.timemesh.timebase.TimebaseLinks;
import io.timemesh.sampler.nts.NtsSourceSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls this sampler's share of the configured sources and publishes every accepted sample
 * ({@link SourceSample}s in a {@link SampleBatch} on {@link EventBusAddresses#SAMPLES}, every
 * {@value #BATCH_MILLIS} ms while there are any) and every failure ({@link SourceFault} on
 * {@link EventBusAddresses#SOURCE_FAULTS}). All protocol logic lives in {@link SourcePoller}.
 *
 * <p>Sharing out: every second a sampler renews its lease in the cluster map of live samplers (3 s
 * TTL), naming every source it holds, and takes the sources {@link SourceAssignment} gives it. A source
 * is polled only under a claim in a second map, written once when taken and removed when let go; a claim
 * holds while its holder's latest lease is live and names the source, so one lease a second renews all
 * of a sampler's claims. A new owner takes a source when no live lease names it and the claim is free,
 * its own, or not held; the old owner lets go at its next rebalance. When the cluster drops a sampler's member
 * ({@link EventBusAddresses#MEMBER_LEFT}; each lease names its writer's member), its lease counts as lapsed
 * at once unless it is renewed after that (a split healing, or the member back): a dead sampler's sources move
 * as soon as the cluster notices, not a lease's time later, and a member cut off by a split is treated as its
 * lease's lapse would treat it a little later, with the same claims and floors. Every {@value #POLLERS_WRITE_MILLIS}
 * ms a sampler in a cluster writes all its sources' {@link PollerState}s as one value to a third map, keyed by the
 * sampler (and a source's state alone to a fourth, keyed by the source, when it lets the source go), so
 * the next owner continues the reach register, the poll (and any RATE backoff), a DENY, the duplicate
 * check and, rebased through the timebase link, the clock filter. A sampler that dies leaves state at
 * most that old: the bits of its last seconds in the reach register are lost, nothing else. Per poll
 * nothing goes to the cluster maps: at a thousand sources the per-source writes of every exchange and
 * claim renewal were a Hazelcast operation and a sealed JSON value each, 2,000 a second.
 *
 * <p>A pool's members ({@link PoolSource}) are shared out like any source; the owner of a member resolves
 * the pool, asks the address {@link PoolChoice} gives it, keeps that address in the poller state, and
 * replaces it when it stays unreachable or a falseticker (told by the selector's references).
 *
 * <p>A source with NTS (RFC 8915) runs NTS-KE ({@link NtsKeyExchanges}) whenever its poller has no cookie
 * left (the first poll, after an NTS NAK, after cookies lost to unanswered requests), then asks the NTP
 * server and port the KE named. Its session is not handed over: a new owner runs NTS-KE itself. After every poll
 * its {@link SourceAuth} goes out for /sources in the batch that carries the poll's sample.
 *
 * <p>Everything it publishes and every map value it writes is sealed by {@link MeshAuth}, and only
 * genuine values are taken: a squatter's lease does not count as a live sampler, its claim does not
 * hold a source, and its poller state is not continued from.
 */
public final class SamplerVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(SamplerVerticle.class);
    static final String SAMPLERS_MAP = "timemesh.samplers";
    /** Source → the sealed claim of the sampler that polls it, swapped by compare-and-set (the cluster map's name). */
    public static final String CLAIMS_MAP = "timemesh.sampler.claims";
    /** Source → the state of its poller as let go by a sampler, for whoever takes it next. */
    static final String STATE_MAP = "timemesh.sampler.state";
    /** Sampler → {"pollers": {source → state}} of every source it polls, rewritten periodically. */
    static final String POLLERS_MAP = "timemesh.sampler.pollers";
    /** How often a sampler writes all its pollers' states: a dying sampler's successor loses at most this much. */
    static final long POLLERS_WRITE_MILLIS = 5_000;
    static final long REBALANCE_MILLIS = 1_000;
    /** Sampler leases and claims remembered: far more than any cluster's samplers and sources. */
    private static final int WRITERS_REMEMBERED = 65_536;
    static final long LEASE_MILLIS = 3_000;
    /**
     * How long a sample waits for others to go out with it: at a thousand sources a second, twenty to a sealed
     * message rather than one. It ages meanwhile like any sample (15 ppm × 20 ms = 0.3 µs of bound).
     */
    static final long BATCH_MILLIS = 20;
    /** Lease field naming its writer's cluster member id (absent without a cluster). */
    static final String MEMBER = "member";
    /** How long to wait for the first timebase probe to another node before giving up its filter stages. */
    private static final long HANDOVER_MILLIS = 1_000;
    private static final long HANDOVER_CHECK_MILLIS = 20;
    /**
     * Sources taken together are not asked together forever after: first polls are spread over a
     * millisecond per source (about one reply a millisecond), at most a second.
     */
    private static final long PHASE_SPREAD_MILLIS = 1_000;
    private static final long PHASE_SPREAD_PER_SOURCE_MILLIS = 1;

    private final TimeSource clock;
    private final int precisionLog2;
    private final HostResolver resolver;
    private final MeshAuth auth;
    private final NodeCounters counters;
    private final Map<String, ExchangeError> lastErrors = new HashMap<>();
    private final Map<String, SourcePoller> active = new LinkedHashMap<>();
    /** Samples made but not yet published: they go out together {@value #BATCH_MILLIS} ms after the first. */
    private final List<SourceSample> batch = new ArrayList<>();
    /** The newest authentication of each NTS source polled since the last batch went out. */
    private final Map<String, SourceAuth> batchAuths = new LinkedHashMap<>();
    /** Our Vert.x's cluster member id, named in our leases; null on a Vert.x without a cluster. */
    private String member;
    /** Each sampler's member id, as its genuine leases last read named it. */
    private Map<String, String> memberOf = Map.of();
    /** Samplers whose member left our view of the cluster, and which of their leases count as lapsed. */
    private final Map<String, Departure> departed = new HashMap<>();
    /** Whether another rebalance is due as soon as the one under way ends (a member left meanwhile). */
    private boolean recheck;
    private final Set<String> starting = new HashSet<>();
    /** The claim value this sampler last wrote per source: the one to remove when letting go. */
    private final Map<String, String> claimed = new HashMap<>();
    /**
     * Another sampler's claims we replaced when taking sources, by source: put back if we let the source go while that
     * sampler is live and its lease names the source, so that the sampler polling it on keeps its claim rather than
     * none. That happens when it only looked dead to us (a false report of its member leaving), and at start, when
     * samplers that do not yet see each other's leases claim the same sources and the share then gives them back.
     */
    private final Map<String, Displaced> displaced = new HashMap<>();
    /**
     * Our pollers when we last paused (our lease could not be renewed), by source, and when (local timescale, ns):
     * continued when we take a source back whose claim in the map is still ours, so nobody polled it meanwhile. The
     * pollers themselves, not their states then, so that an exchange under way at the pause (a kiss, a reach bit)
     * is in what we continue.
     */
    private final Map<String, SourcePoller> paused = new HashMap<>();
    private long pausedNanos;
    /** Which samplers renew their leases, on our clock: a lease value that stops changing lapses. */
    private final Renewals renewals = new Renewals(LEASE_MILLIS * 1_000_000L, WRITERS_REMEMBERED);
    /** Which of each sampler's sealed states are current, as its leases say. */
    private final StateFloors floors = new StateFloors(WRITERS_REMEMBERED);
    /** Our own counter over time, for the let-go floor our lease names. */
    private final StateFloors.Trail trail = new StateFloors.Trail();
    /** The counter just before our latest stored pollers' states: the floor our lease names for them. */
    private long pollersAfter = Long.MIN_VALUE;
    /** The seal counter of our latest stored pollers' states, named by our leases (see {@link StateFloors}). */
    private long pollersLatest = Long.MIN_VALUE;
    /** Whether the latest selection with a majority called each pool member a falseticker. */
    private final Map<String, Boolean> verdicts = new HashMap<>();
    private SamplerConfig config;
    /** The sources authenticated with NTS, by name: {@link SamplerConfig#nts()}, computed once. */
    private Map<String, NtsSourceSettings> nts;
    /** Every source's name and the name and port it resolves: a pool member's is its pool's. */
    private Map<String, ServerAddress> sources;
    /** The pool of each pool member, by the member's name. */
    private final Map<String, PoolSource> poolOf = new HashMap<>();
    private NtpClientSocket socket;
    private NtsKeyExchanges keyExchanges;
    private TimebaseLinks links;
    private AsyncMap<String, String> samplers;
    /** Claims removed one at a time, as sources are let go. */
    private AsyncMap<String, String> claims;
    /** Claims read and taken a rebalance's worth at a time. */
    private ClaimMap claimMap;
    private AsyncMap<String, String> states;
    private AsyncMap<String, String> pollers;
    private long leaseRenewedNanos;
    private long pollersWrittenNanos;
    /**
     * Whether we let a source go since our pollers' states were last written: they are then written at the next
     * rebalance, so that the written states never hold a source whose let-go state (a kiss's stop, a rate
     * backoff, a pool's new server) is newer, and a successor reading them need not read the let-go state too.
     */
    private boolean releasedSinceWrite;
    /** Whether a write of our pollers' states is under way: one at a time, so they land in order. */
    private boolean pollersWriting;
    /** Writers whose states we could not continue for want of their leases, logged this rebalance. */
    private final Set<String> unknownLogged = new HashSet<>();
    /**
     * Whether a rebalance is under way. One that outlasts the period (slow cluster maps, a loaded host) is
     * not overlapped: a second one's newer reads would make the first one's older reads of the same
     * leases replays, and the samplers they name would count as gone, moving their sources for nothing.
     */
    private boolean rebalancing;
    /** The sources this sampler owned for the live samplers it last saw: recomputed only when they change. */
    private Set<String> liveSeen = Set.of();
    private Set<String> owned = Set.of();
    /**
     * The sources each sampler's latest genuine lease named, live or not, and when we read it: who held a source
     * when its claim no longer says so. Forgotten once its pollers' states would be too old to continue anyway.
     */
    private final Map<String, Named> lastNamed = new HashMap<>();
    /** A dead holder's pollers' states, read once per rebalance however many of its sources are taken. */
    private final Map<String, Future<Map<String, Left>>> leftBehind = new HashMap<>();

    /**
     * @param clock         the node's local timescale, which samples are measured against
     * @param auth          seals what this sampler publishes and writes; its node is this one
     * @param precisionLog2 the precision of reading it, as the NTP precision field
     * @param resolver      how source names become addresses
     */
    public SamplerVerticle(TimeSource clock, MeshAuth auth, int precisionLog2, HostResolver resolver) {
        this(clock, auth, precisionLog2, resolver, NodeCounters.NONE);
    }

    /** @param counters where every finished exchange is counted, by outcome */
    public SamplerVerticle(TimeSource clock, MeshAuth auth, int precisionLog2, HostResolver resolver,
                           NodeCounters counters) {
        this.counters = counters;
        this.clock = clock;
        this.auth = auth;
        this.precisionLog2 = precisionLog2;
        this.resolver = resolver;
    }

    @Override
    public Future<?> start() {
        try {
            config = Settings.bind(SamplerConfig.class, config().copy().put("nodeName", auth.node()).encode());
            nts = config.nts();
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        sources = new LinkedHashMap<>();
        config.servers().forEach(source -> sources.put(source.toString(), source));
        config.poolSources().forEach(pool -> pool.members().forEach(member -> {
            sources.put(member, pool.server());
            poolOf.put(member, pool);
        }));
        links = new TimebaseLinks(vertx, clock, auth, precisionLog2);
        keyExchanges = new NtsKeyExchanges(vertx, clock);
        leaseRenewedNanos = clock.nowNanos();
        member = vertx.isClustered() ? ((VertxInternal) vertx).clusterManager().getNodeId() : null;
        var shared = vertx.sharedData();
        return Future.all(List.of(shared.<String, String>getAsyncMap(SAMPLERS_MAP),
                        shared.<String, String>getAsyncMap(CLAIMS_MAP), shared.<String, String>getAsyncMap(STATE_MAP),
                        shared.<String, String>getAsyncMap(POLLERS_MAP),
                        NtpClientSocket.open(vertx, clock, config.sampler().bindHost(), resolver),
                        ClaimMap.of(vertx, CLAIMS_MAP)))
                .onSuccess(all -> {
                    samplers = all.resultAt(0);
                    claims = all.resultAt(1);
                    states = all.resultAt(2);
                    pollers = all.resultAt(3);
                    socket = all.resultAt(4);
                    claimMap = all.resultAt(5);
                    LOG.info("sampler {} sharing {} source(s), poll {} s", config.nodeName(), sources.size(),
                            config.pollSeconds());
                    if (!poolOf.isEmpty()) {
                        MeshAuth.Inbox references = auth.inbox(EventBusAddresses.REFERENCE);
                        vertx.eventBus().<JsonObject>consumer(EventBusAddresses.REFERENCE,
                                m -> references.open(m.body()).ifPresent(this::onReference));
                    }
                    vertx.eventBus().<String>localConsumer(EventBusAddresses.MEMBER_LEFT, m -> memberLeft(m.body()));
                    rebalance();
                    vertx.setPeriodic(REBALANCE_MILLIS, id -> rebalance());
                });
    }

    /**
     * The leases a sampler renewed before its member left our view count as lapsed; the first one read after
     * that is its last word unless a later one rises above it.
     *
     * @param sinceNanos when the member left our view (local timescale, ns)
     * @param lastCounter the counter of its lease in the first read begun after that; {@link Long#MIN_VALUE}
     *                    until then
     */
    private record Departure(long sinceNanos, long lastCounter) {}

    /** Hazelcast dropped {@code memberId}: re-check at once the leases of the samplers on it. */
    private void memberLeft(String memberId) {
        long now = clock.nowNanos();
        memberOf.forEach((node, of) -> {
            if (of.equals(memberId) && !node.equals(config.nodeName())) {
                departed.put(node, new Departure(now, Long.MIN_VALUE));
                LOG.info("sampler {}: {}'s cluster member left; its lease counts as lapsed unless renewed",
                        config.nodeName(), node);
            }
        });
        if (rebalancing) {
            recheck = true;
        } else {
            rebalance();
        }
    }

    /**
     * Whether {@code node}'s lease with {@code counter}, read in a read begun at {@code readNanos}, counts as
     * lapsed because its member left: until it is renewed after the first read begun once the member had left.
     */
    private boolean departedWith(String node, long counter, long readNanos) {
        Departure departure = departed.get(node);
        if (departure == null) {
            return false;
        }
        if (departure.lastCounter() == Long.MIN_VALUE) {
            if (readNanos >= departure.sinceNanos()) {
                departed.put(node, new Departure(departure.sinceNanos(), counter));
            }
            return true;
        }
        if (counter <= departure.lastCounter()) {
            return true;
        }
        departed.remove(node); // renewed since: a split healed, or the member came back
        LOG.info("sampler {}: {} renews its lease again", config.nodeName(), node);
        return false;
    }

    /**
     * Renews our lease (naming the sources we hold), then takes what is ours and lets go of what is not,
     * and every {@value #POLLERS_WRITE_MILLIS} ms writes our pollers' states.
     */
    private void rebalance() {
        if (rebalancing) {
            return;
        }
        rebalancing = true;
        String self = config.nodeName();
        leftBehind.clear();
        unknownLogged.clear();
        long started = clock.nowNanos();
        long[] readNanos = new long[1];
        if (active.isEmpty()) {
            pollersAfter = auth.valueCounter(); // we hold nothing: no pollers' state of ours is current
        } else if (vertx.isClustered() && (started - pollersWrittenNanos >= POLLERS_WRITE_MILLIS * 1_000_000L
                || releasedSinceWrite) && !pollersWriting) {
            // Without a cluster the maps live in this process alone: no sampler elsewhere continues from them,
            // and a sampler stopping here hands its sources over itself. A thousand states every 5 s were a
            // tenth of a single node's CPU.
            pollersWrittenNanos = started;
            releasedSinceWrite = false;
            writePollers();
        }
        JsonObject lease = new JsonObject().put("sources", new JsonArray(new ArrayList<>(claimed.keySet())))
                .put(StateFloors.POLLERS_AFTER, pollersAfter)
                .put(StateFloors.POLLERS_LATEST, pollersLatest)
                .put(StateFloors.LET_GO_AFTER, trail.note(started, auth.valueCounter()))
                .put(MEMBER, member);
        // Each step gives up after a lease's time, so a hung map operation cannot stop the rebalances for good.
        samplers.put(self, auth.sealValue(SAMPLERS_MAP, self, lease), LEASE_MILLIS)
                .timeout(LEASE_MILLIS, TimeUnit.MILLISECONDS)
                .onSuccess(v -> leaseRenewedNanos = clock.nowNanos())
                .onFailure(e -> {
                    // Cut off from the cluster maps: once our lease can have lapsed, another sampler may
                    // take our sources, so stop polling them rather than poll them twice.
                    if (clock.nowNanos() - leaseRenewedNanos > LEASE_MILLIS * 1_000_000L && !active.isEmpty()) {
                        LOG.warn("sampler {} cannot renew its lease ({}); pausing {} source(s)", self, e.getMessage(),
                                active.size());
                        paused.clear();
                        paused.putAll(active);
                        pausedNanos = clock.nowNanos();
                        active.clear();
                        claimed.clear();
                        displaced.clear();
                    }
                })
                .compose(v -> {
                    readNanos[0] = clock.nowNanos();
                    return samplers.entries().timeout(LEASE_MILLIS, TimeUnit.MILLISECONDS);
                })
                .onSuccess(entries -> {
                    Map<String, Set<String>> live = new HashMap<>();
                    Map<String, String> members = new HashMap<>();
                    long now = clock.nowNanos();
                    departed.keySet().retainAll(entries.keySet()); // a lease gone from the map lapsed anyway
                    entries.forEach((node, value) -> auth.openValue(SAMPLERS_MAP, node, value)
                            .filter(opened -> opened.sender().equals(node))
                            .map(opened -> notingFloors(node, opened, now))
                            .map(opened -> notingMember(members, node, opened))
                            .map(opened -> notingNamed(node, opened, now))
                            .filter(opened -> renewals.live(node, opened.counter(), now))
                            .filter(opened -> !departedWith(node, opened.counter(), readNanos[0]))
                            // and its writer answers our own challenges: captured leases fed to a restarted
                            // sampler in rising order would otherwise keep a dead one live
                            .filter(opened -> links.answeringWithin(node, TimebaseLinks.ANSWER_WINDOW_NANOS))
                            .ifPresent(opened -> live.put(node, lastNamed.get(node).sources())));
                    lastNamed.values().removeIf(named -> now - named.readNanos()
                            > StateFloors.POLLERS_FRESH_MILLIS * 1_000_000L);
                    memberOf = members;
                    live.putIfAbsent(self, Set.of());
                    if (!live.keySet().equals(liveSeen)) {
                        liveSeen = Set.copyOf(live.keySet());
                        owned = new HashSet<>(SourceAssignment.owned(self, liveSeen, new ArrayList<>(sources.keySet())));
                    }
                    for (String source : List.copyOf(active.keySet())) {
                        if (!owned.contains(source)) {
                            release(source);
                        }
                    }
                    claimAll(owned.stream().filter(source -> !active.containsKey(source) && !starting.contains(source))
                            .toList(), live);
                })
                .onComplete(done -> {
                    rebalancing = false;
                    if (recheck) {
                        recheck = false;
                        rebalance();
                    }
                });
    }

    /** Notes the member {@code node}'s genuine lease names, if any. */
    private static MeshAuth.Opened notingMember(Map<String, String> members, String node, MeshAuth.Opened lease) {
        if (lease.body().getValue(MEMBER) instanceof String of) {
            members.put(node, of);
        }
        return lease;
    }

    /** Notes the floors {@code node}'s genuine lease names, whether or not it is still live. */
    private MeshAuth.Opened notingFloors(String node, MeshAuth.Opened lease, long nowNanos) {
        if (lease.body().getValue(StateFloors.POLLERS_AFTER) instanceof Number pollersFloor
                && lease.body().getValue(StateFloors.LET_GO_AFTER) instanceof Number letGoFloor) {
            floors.note(node, lease.counter(), pollersFloor.longValue(), letGoFloor.longValue(), nowNanos);
            if (lease.body().getValue(StateFloors.POLLERS_LATEST) instanceof Number latest) {
                floors.notePollersLatest(node, latest.longValue());
            }
        }
        return lease;
    }

    /** The sources a sampler's lease named, and when we read it (local timescale, ns): see {@link #lastNamed}. */
    private record Named(Set<String> sources, long readNanos) {}

    /** Notes the sources {@code node}'s genuine lease names, whether or not it is still live. */
    private MeshAuth.Opened notingNamed(String node, MeshAuth.Opened lease, long nowNanos) {
        lastNamed.put(node, new Named(heldIn(lease.body()), nowNanos));
        return lease;
    }

    /** Whether {@code node}'s latest genuine lease we read named {@code source}. */
    private boolean named(String node, String source) {
        Named named = lastNamed.get(node);
        return named != null && named.sources().contains(source);
    }

    /**
     * The sampler other than us whose latest lease named {@code source}, if any: its holder, which a claim can fail
     * to name. A sampler slow to answer (its lease judged lapsed) can have its claims replaced by one that takes
     * its sources, and removed rather than put back when that one lets them go again (the slow one's lease did not
     * name them then): it polls them on, with no claim in the map.
     */
    private Optional<String> lastHolder(String source) {
        // Of two leases naming it during a move, the one read last: a dead sampler's stays in lastNamed after its
        // lease is gone from the map, and a live one's is read every rebalance. Then by name, the same on every run.
        return lastNamed.entrySet().stream()
                .filter(named -> !named.getKey().equals(config.nodeName()) && named(named.getKey(), source))
                .max(Comparator.comparingLong((Map.Entry<String, Named> named) -> named.getValue().readNanos())
                        .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
                .map(Map.Entry::getKey);
    }

    /** The sources a lease names; none if it names them wrongly (a genuine lease always names them right). */
    private static Set<String> heldIn(JsonObject lease) {
        Set<String> held = new HashSet<>();
        if (lease.getValue("sources") instanceof JsonArray names) {
            names.forEach(name -> {
                if (name instanceof String source) {
                    held.add(source);
                }
            });
        }
        return held;
    }

    /**
     * All our pollers' states as one sealed value, under our name. Taken on the event loop; encoded and
     * sealed on a worker, as a thousand sources' states take tens of milliseconds.
     */
    private void writePollers() {
        String self = config.nodeName();
        Map<String, PollerState> taken = new LinkedHashMap<>();
        active.forEach((source, poller) -> taken.put(source, poller.state(self)));
        long[] before = new long[1];
        long[] sealed = new long[1];
        pollersWriting = true;
        vertx.executeBlocking(() -> {
            JsonObject states = new JsonObject();
            taken.forEach((source, state) -> states.put(source, JsonObject.mapFrom(state)));
            before[0] = auth.valueCounter();
            MeshAuth.SealedValue value = auth.sealValueCounted(POLLERS_MAP, self, new JsonObject().put("pollers", states));
            sealed[0] = value.counter();
            return value.value();
        }, false).compose(value -> pollers.put(self, value, StateFloors.POLLERS_FRESH_MILLIS))
                // Named by our next leases only once stored: until then the previous value is our latest.
                .onSuccess(stored -> {
                    pollersAfter = Math.max(pollersAfter, before[0]);
                    pollersLatest = Math.max(pollersLatest, sealed[0]);
                })
                .onComplete(done -> pollersWriting = false)
                .onFailure(e -> LOG.warn("sampler {} could not write its pollers' states: {}", self, e.getMessage()));
    }

    /** Another sampler's genuine claim, as the map held it, and its sealer. */
    private record Displaced(String holder, String claim) {}

    /** A new sealed claim on {@code source}, kept so that it can be removed by value. */
    private String newClaim(String source) {
        String value = auth.sealValue(CLAIMS_MAP, source, new JsonObject());
        claimed.put(source, value);
        return value;
    }

    /**
     * Stores {@code poller}'s state for whoever takes {@code source} next, then removes our claim if the map
     * still holds it (and we did not claim the source again meanwhile), or puts back the claim we displaced if its
     * sampler is live and its lease names the source: it never stopped polling it.
     */
    private Future<Boolean> letGo(String source, SourcePoller poller) {
        String mine = claimed.get(source);
        Displaced theirs = displaced.remove(source);
        // Decided on the leases of this rebalance, which still name the source as ours: one naming it too polls it.
        String putBack = theirs != null && liveSeen.contains(theirs.holder()) && named(theirs.holder(), source)
                ? theirs.claim() : null;
        // Kept only while it is current: a leftover would be refused later, and look like a replay.
        return states.put(source, stateValue(source, poller), StateFloors.LET_GO_FRESH_MILLIS).transform(stored -> {
            if (mine == null || !claimed.remove(source, mine)) {
                return Future.succeededFuture(false);
            }
            return putBack != null ? claims.replaceIfPresent(source, mine, putBack)
                    : claims.removeIfPresent(source, mine);
        });
    }

    /**
     * Takes each of {@code sources} that no other live sampler's lease names: with no claim, putting ours; with a
     * claim not held (its sealer not live, or its live lease not naming the source, as with an old claim put
     * back), replacing it. All claims are read together, then swapped together, each by compare-and-set so that
     * of two samplers claiming one source one wins. Each taken source continues from the state its previous
     * holder left, or from our own at our last pause when nobody held it since.
     *
     * @param live each live sampler's sources, by its name, from this round's leases
     */
    private void claimAll(List<String> sources, Map<String, Set<String>> live) {
        String self = config.nodeName();
        List<String> wanted = new ArrayList<>();
        for (String source : sources) {
            boolean held = live.entrySet().stream()
                    .anyMatch(other -> !other.getKey().equals(self) && other.getValue().contains(source));
            if (!held) { // else the holder lets go at its next rebalance
                wanted.add(source);
                starting.add(source);
            }
        }
        if (wanted.isEmpty()) {
            return;
        }
        Map<String, String> mine = new HashMap<>();
        Map<String, String> previousHolder = new HashMap<>();
        Map<String, PollerState> resumed = new HashMap<>();
        Map<String, Displaced> displacing = new HashMap<>();
        boolean pauseRecent = clock.nowNanos() - pausedNanos <= StateFloors.LET_GO_FRESH_MILLIS * 1_000_000L;
        claimMap.getAll(new HashSet<>(wanted)).compose(read -> {
            Map<String, ClaimMap.Swap> swaps = new HashMap<>();
            for (String source : wanted) {
                String raw = read.get(source);
                // Opened before we seal our new claim on the source, which would make a claim of ours still there
                // (left when our lease could not be renewed) look old: a replay, counted as an attack.
                String holder = raw == null ? null
                        : auth.openValue(CLAIMS_MAP, source, raw).map(MeshAuth.Opened::sender).orElse(null);
                // Whose pollers' states to continue: the claim's sealer if its last lease named the source, else the
                // sampler whose lease last did (its claim can be gone), else the sealer; never our own written ones,
                // which our leases stopped calling current when we held nothing.
                Optional.ofNullable(holder).filter(h -> named(h, source)).or(() -> lastHolder(source))
                        .or(() -> Optional.ofNullable(holder)).filter(previous -> !previous.equals(self))
                        .ifPresent(previous -> previousHolder.put(source, previous));
                if (holder != null && !holder.equals(self)) {
                    displacing.put(source, new Displaced(holder, raw));
                }
                // Ours from before a pause, if the map still holds our claim and no other sampler's lease has named
                // the source since (one that held it, even through a claim of ours put back, left newer states).
                SourcePoller own = paused.remove(source);
                if (own != null && pauseRecent && self.equals(holder) && !previousHolder.containsKey(source)) {
                    resumed.put(source, own.state(self));
                }
                String claim = newClaim(source);
                mine.put(source, claim);
                // No live lease names it, so nobody holds it; even our own claim is swapped, so that of two samplers
                // claiming the source one wins, and a let-go still under way removes only the claim it knew.
                swaps.put(source, new ClaimMap.Swap(raw, claim));
            }
            return claimMap.swapAll(swaps);
        }).onComplete(done -> wanted.forEach(source -> {
            String claim = mine.get(source); // none if the claims could not be read
            boolean taken = done.succeeded() && Boolean.TRUE.equals(done.result().get(source));
            (taken ? (resumed.containsKey(source) ? ownOrLetGo(source, resumed.get(source))
                    : previousState(source, previousHolder.get(source))).map(previous -> {
                if (!claim.equals(claimed.get(source))) {
                    return false; // we paused meanwhile, dropping the claim: taken back at a later rebalance
                }
                Optional.ofNullable(displacing.get(source)).ifPresentOrElse(theirs -> displaced.put(source, theirs),
                        () -> displaced.remove(source));
                take(source, previous);
                return true;
            }) : Future.succeededFuture(false)).onComplete(took -> {
                if (took.failed() || !took.result()) {
                    starting.remove(source);
                    if (claim != null) {
                        claimed.remove(source, claim);
                    }
                }
            });
        }));
    }

    /**
     * What to continue a source from that we take back after a pause: another sampler's current let-go state if
     * there is one (it held the source meanwhile, as a claim of ours put back can hide, and its kiss or backoff
     * is newer than ours), else {@code own}.
     */
    private Future<PollerState> ownOrLetGo(String source, PollerState own) {
        return previousState(source, null).map(letGo -> letGo != null && !letGo.owner().equals(config.nodeName())
                ? letGo : own);
    }

    /** A poller's state as a sampler sealed it, with that value's counter (which only grows per sampler). */
    private record Left(PollerState state, String sender, long counter) {}

    /**
     * The state to continue {@code source} from: what {@code holder} (a sampler that died holding it, or
     * null) last wrote of its pollers, if the source is in it; else the state the last sampler to let it go
     * left; null if none is genuine. A let-go state is not looked for when the holder's written states hold the
     * source (at a dead sampler's thousand sources that look was a third of the map operations of moving them):
     * a sampler that lets a source go writes its pollers' states again at its next rebalance, before it could take
     * the source back, so its written states hold no source whose let-go state is newer (a kiss's stop, a rate
     * backoff, a pool's new server) unless it died within that second (before a lease no longer naming the source,
     * so that it still counts as the holder), or took the source back while a write was still under way.
     */
    private Future<PollerState> previousState(String source, String holder) {
        Future<Map<String, Left>> theirs = holder == null ? Future.succeededFuture(Map.of())
                : leftBehind.computeIfAbsent(holder, this::pollersOf).recover(e -> Future.succeededFuture(Map.of()));
        return theirs.compose(written -> {
            Left last = written.get(source);
            if (last != null) {
                return Future.succeededFuture(last.state());
            }
            return states.get(source).map(stored -> {
                Left letGo = letGoState(source, stored);
                // Judged only when it would be used: another sampler's leftover is no replay.
                return letGo != null && current(STATE_MAP, letGo.sender(), letGo.counter(),
                        floors.letGo(letGo.sender(), letGo.counter(), clock.nowNanos())) ? letGo.state() : null;
            });
        });
    }

    /** The pollers' states {@code holder} last wrote, if genuine, each written as its own; else none. */
    private Future<Map<String, Left>> pollersOf(String holder) {
        return pollers.get(holder).map(stored -> {
            Map<String, Left> states = new HashMap<>();
            auth.openValue(POLLERS_MAP, holder, stored).filter(opened -> opened.sender().equals(holder))
                    .filter(opened -> current(POLLERS_MAP, holder, opened.counter(),
                            floors.pollers(holder, opened.counter(), clock.nowNanos())))
                    .ifPresent(opened -> {
                        try {
                            opened.body().getJsonObject("pollers").forEach(entry -> {
                                PollerState state = ((JsonObject) entry.getValue()).mapTo(PollerState.class);
                                if (state.owner().equals(holder)) {
                                    states.put(entry.getKey(), new Left(state, holder, opened.counter()));
                                }
                            });
                        } catch (RuntimeException e) {
                            auth.reject(POLLERS_MAP, MeshAuth.Rejection.MALFORMED, "pollers of " + holder + ": "
                                    + e.getMessage());
                        }
                    });
            return states;
        });
    }

    /** The poller state a sampler stored for {@code source} when letting it go, if genuine and its own; else null. */
    private Left letGoState(String source, String stored) {
        return auth.openValue(STATE_MAP, source, stored).map(opened -> {
            PollerState state = opened.body().mapTo(PollerState.class);
            return state.owner().equals(opened.sender()) ? new Left(state, opened.sender(), opened.counter()) : null;
        }).orElse(null);
    }

    /**
     * Whether {@code verdict} lets a state be continued. One older than its writer's leases allow is counted
     * and logged as a replay (an uninvited member can put older genuine states back); one of a writer gone
     * silent, or whose leases we never saw (we started after it stopped), or its latest pollers' states after it held
     * nothing (a pause), is no attack: logged, once per writer and rebalance.
     */
    private boolean current(String map, String writer, long counter, StateFloors.Verdict verdict) {
        switch (verdict) {
            case CURRENT -> {
                return true;
            }
            case OLDER_THAN_FLOOR -> auth.reject(map, MeshAuth.Rejection.REPLAYED, "state of " + writer + ", counter "
                    + counter + ", is older than its leases allow");
            default -> {
                if (unknownLogged.add(writer)) {
                    LOG.info("sampler {} does not continue {}'s state: {}", config.nodeName(), writer,
                            switch (verdict) {
                                case UNKNOWN_WRITER -> "none of its leases seen";
                                case WITHDRAWN -> "its latest, but it has held nothing since";
                                default -> "its leases stopped too long ago";
                            });
                }
            }
        }
        return false;
    }

    private String stateValue(String source, SourcePoller poller) {
        return auth.sealValue(STATE_MAP, source, JsonObject.mapFrom(poller.state(config.nodeName())));
    }

    /**
     * Starts polling a claimed source, from the previous owner's state if there is one. The stages of
     * another node's filter are rebased through the timebase link to that node, measured first; if
     * the node is gone no link forms and only the rest of the state carries over.
     */
    private void take(String source, PollerState previous) {
        SourcePoller poller = new SourcePoller(source, new PollSchedule(config.pollSeconds(), config.iburst()),
                precisionLog2, config.maxDrift(), nts.containsKey(source));
        if (previous == null) {
            begin(source, poller);
            return;
        }
        handOver(source, poller, previous, clock.nowNanos() + HANDOVER_MILLIS * 1_000_000L);
    }

    /**
     * Waits (a little) for the link to the previous owner's node, then continues from its state. A link to
     * an owner that is no live sampler (it died holding the source) is not waited for: none will form.
     */
    private void handOver(String source, SourcePoller poller, PollerState previous, long deadlineNanos) {
        Optional<TimebaseLink> link = links.link(previous.owner()); // the first call starts measuring
        if (link.isEmpty() && liveSeen.contains(previous.owner()) && clock.nowNanos() < deadlineNanos) {
            vertx.setTimer(HANDOVER_CHECK_MILLIS, id -> handOver(source, poller, previous, deadlineNanos));
            return;
        }
        poller.restore(previous, link, clock.nowNanos());
        if (!previous.owner().equals(config.nodeName())) {
            LOG.info("sampler {} took {} over from {} ({} of {} filter stages kept)", config.nodeName(), source,
                    previous.owner(), link.isPresent() ? previous.stages().size() : 0, previous.stages().size());
        }
        begin(source, poller);
    }

    private void begin(String source, SourcePoller poller) {
        starting.remove(source);
        active.put(source, poller);
        // Each poll follows the last by exactly the interval, so the first poll's random phase keeps
        // hundreds of sources' replies from arriving in one burst every interval (as chrony spreads them).
        long spread = Math.min(Math.min(PHASE_SPREAD_MILLIS, sources.size() * PHASE_SPREAD_PER_SOURCE_MILLIS),
                poller.pollSeconds() * 1_000L);
        vertx.setTimer(1 + ThreadLocalRandom.current().nextLong(spread), id -> poll(source, poller));
    }

    private void release(String source) {
        SourcePoller poller = active.remove(source);
        letGo(source, poller);
        releasedSinceWrite = true;
        LOG.info("sampler {} hands {} over", config.nodeName(), source);
    }

    private void poll(String name, SourcePoller poller) {
        ServerAddress source = sources.get(name);
        if (active.get(name) != poller) {
            return; // handed over
        }
        PoolSource pool = poolOf.get(name);
        if (poller.stopped()) {
            // Never asked again, but its state is told again every poll, so a selector that started (or
            // took over) after the kiss still learns why the source is out.
            publishFault(poller, name, poller.lastFailure());
            if (pool == null) {
                vertx.setTimer(poller.pollSeconds() * 1_000L, id -> poll(name, poller));
                return;
            }
            // A pool member gets another server of the pool, as an unreachable one does; asked at once.
            poolAddress(name, pool, poller).onComplete(done -> {
                if (active.get(name) == poller) {
                    vertx.setTimer(poller.stopped() ? poller.pollSeconds() * 1_000L : 1, id -> poll(name, poller));
                }
            });
            return;
        }
        long startedNanos = clock.nowNanos();
        // A plain source is resolved at every poll, so a name that moves to new addresses is followed
        // at once, with its poller (reach, filter) carried along.
        // The address asked, once resolved: a failure names it too, so that a second name for the same server
        // (whose exchange cannot run while the first one's is in flight) is still known as its alias.
        InetSocketAddress[] asked = new InetSocketAddress[1];
        (poller.ntsRequired() ? keyExchanges.target(socket, poller, source, nts.get(name))
                : (pool == null ? socket.resolve(source.host()) : poolAddress(name, pool, poller))
                        .map(ip -> new InetSocketAddress(ip, source.port())))
                .compose(target -> {
                    asked[0] = target;
                    return socket.exchange(poller, target, config.timeout())
                            .onSuccess(step -> publish(poller, target, step));
                })
                .onFailure(e -> publishFault(poller, asked[0] == null ? name : addressOf(asked[0]),
                        counted(poller.onLocalFailure(e instanceof ExchangeFailureException f ? f.failure()
                                : new ExchangeFailure(ExchangeError.SEND_FAILED, String.valueOf(e.getMessage()))))))
                .onComplete(done -> {
                    if (active.get(name) != poller) {
                        return;
                    }
                    if (poller.ntsRequired()) {
                        queueAuth(poller);
                    }
                    if (poller.stopped()) {
                        LOG.warn("stopped polling {}: {}", poller.source(), poller.lastFailure().message());
                        vertx.setTimer(poller.pollSeconds() * 1_000L, id -> poll(name, poller));
                        return;
                    }
                    long elapsedNanos = clock.nowNanos() - startedNanos;
                    long delayMillis = Math.max(1, Math.round(poller.nextPollDelaySeconds() * 1e3 - elapsedNanos / 1e6));
                    vertx.setTimer(delayMillis, id -> poll(name, poller));
                });
    }

    /**
     * Puts an NTS source's authentication in the batch: beside each sample (the selector takes both from one
     * message), and after every poll, failed ones too, for its cookies and key exchange. The newest per source wins.
     */
    private void queueAuth(SourcePoller poller) {
        startBatch();
        NtsClientSession session = poller.nts();
        batchAuths.put(poller.source(), new SourceAuth(poller.source(), config.nodeName(), SourceAuth.NTS,
                session == null ? 0 : session.cookies(), session == null ? 0 : session.keNanos()));
    }

    private void startBatch() {
        if (batch.isEmpty() && batchAuths.isEmpty()) {
            vertx.setTimer(BATCH_MILLIS, id -> publishSamples());
        }
    }

    /**
     * Notes what a selection with a majority made of the pool members, for the falseticker replacement
     * rule. Only a selector's own sealed reference counts; the worst a deposed selector's can do is have
     * a member replaced.
     */
    private void onReference(MeshAuth.Opened opened) {
        try {
            Reference reference = opened.body().getJsonObject("reference").mapTo(Reference.class);
            if (!opened.sender().equals(reference.id().selectorNode()) || !reference.usable()) {
                return;
            }
            poolOf.keySet().forEach(member -> verdicts.put(member, reference.vote().falsetickers().contains(member)));
        } catch (RuntimeException e) {
            LOG.debug("not a reference from {}: {}", opened.sender(), e.getMessage());
        }
    }

    /**
     * The server a pool member asks: the one it has, unless it is to be replaced ({@link PoolChoice}: unreachable,
     * a persistent falseticker, or stopped by a DENY or RSTR kiss);
     * else a fresh resolution of the pool, from which it takes its first address or a replacement that
     * no member of this sampler asks.
     */
    private Future<InetAddress> poolAddress(String member, PoolSource pool, SourcePoller poller) {
        String current = poller.address();
        poller.onSelection(Boolean.TRUE.equals(verdicts.get(member)));
        if (current != null && !poller.stopped() && !poller.unreachable() && !poller.persistentFalseticker()) {
            return Future.succeededFuture(literal(current));
        }
        return socket.resolveAll(pool.server().host()).compose(resolved -> {
            int index = pool.memberIndex(member);
            if (current == null) {
                poller.moveTo(PoolChoice.first(resolved, index).getHostAddress());
                LOG.info("pool member {} asks {}", member, poller.address());
            } else {
                Set<InetAddress> inUse = new HashSet<>();
                active.values().stream().map(SourcePoller::address).filter(a -> a != null)
                        .forEach(a -> inUse.add(literal(a)));
                Optional<InetAddress> next = PoolChoice.replacement(resolved, index, inUse);
                String why = poller.stopped() ? "sent the kiss code " + poller.lastFailure().detail()
                        : (poller.unreachable() ? "unreachable" : "a falseticker") + " for "
                        + PoolChoice.REPLACE_AFTER_POLLS + " polls";
                poller.moveTo(next.map(InetAddress::getHostAddress).orElse(current)); // none free: try again later
                next.ifPresent(a -> LOG.warn("pool member {}: {} {}, replaced by {}", member, current, why,
                        a.getHostAddress()));
            }
            return Future.succeededFuture(literal(poller.address()));
        });
    }

    private static InetAddress literal(String address) {
        try {
            return InetAddress.getByName(address); // an IP literal, never looked up
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not an IP literal: " + address, e);
        }
    }

    /** "ip:port" as samples and faults name the server reached. */
    private static String addressOf(InetSocketAddress target) {
        return target.getAddress().getHostAddress() + ":" + target.getPort();
    }

    private void publish(SourcePoller poller, InetSocketAddress target, ExchangeStep step) {
        String address = addressOf(target);
        if (step instanceof ExchangeStep.Sampled sampled) {
            counters.exchange(NodeCounters.EXCHANGE_OK);
            if (lastErrors.remove(poller.source()) != null) {
                LOG.info("source {} answers again", poller.source());
            }
            if (sampled.estimate().event().restarted()) {
                LOG.warn("source {}: {}", poller.source(), sampled.estimate().reason());
            }
            startBatch();
            batch.add(SourceSample.of(poller.source(), address, config.nodeName(), sampled.estimate(), poller.reach(),
                    poller.pollSeconds()));
            if (poller.ntsRequired()) {
                queueAuth(poller); // with its sample, even from a poller handed over meanwhile
            }
        } else if (step instanceof ExchangeStep.Failed failed) {
            publishFault(poller, address, counted(failed.failure()));
        }
    }

    /**
     * Publishes the samples and NTS authentications made since the last batch went out, as one sealed
     * {@link SampleBatch}.
     */
    private void publishSamples() {
        if (!batch.isEmpty() || !batchAuths.isEmpty()) {
            SampleBatch out = new SampleBatch(batch, List.copyOf(batchAuths.values()));
            // Encoded straight from the records: JsonObject.mapFrom would first build a map of every field. No
            // "auths" without NTS sources: a batch of plain samples reads as it did before they were added.
            JsonObject body = new JsonObject().put("samples", out.samples());
            if (!out.auths().isEmpty()) {
                body.put("auths", out.auths());
            }
            auth.publish(vertx.eventBus(), EventBusAddresses.SAMPLES, body);
            batch.clear();
            batchAuths.clear();
        }
    }

    /** An exchange ended in {@code failure}: counted by its outcome. */
    private ExchangeFailure counted(ExchangeFailure failure) {
        counters.exchange(NodeCounters.exchangeOutcome(failure));
        return failure;
    }

    private void publishFault(SourcePoller poller, String address, ExchangeFailure failure) {
        publishSamples(); // what the selector hears of a source stays in the order it happened
        // Say it once when a source starts failing or fails differently, not at every poll.
        if (lastErrors.put(poller.source(), failure.error()) != failure.error()) {
            LOG.warn("source {}: {}{}", poller.source(), failure.message(), failure.error() == ExchangeError.UNKNOWN_HOST
                    ? " (no network or no DNS? time stays UNSYNCHRONIZED until a source answers)" : "");
        }
        SourceFault fault = new SourceFault(poller.source(), address, config.nodeName(), clock.nowNanos(),
                failure.error().label(), failure.detail(), poller.reach(), poller.stopped());
        auth.publish(vertx.eventBus(), EventBusAddresses.SOURCE_FAULTS, JsonObject.mapFrom(fault));
    }

    @Override
    public Future<?> stop() {
        if (samplers == null) {
            return Future.succeededFuture();
        }
        publishSamples();
        // Hand everything over at once rather than letting leases run out.
        List<Future<?>> handovers = new ArrayList<>();
        for (String source : List.copyOf(active.keySet())) {
            SourcePoller poller = active.remove(source);
            handovers.add(letGo(source, poller));
        }
        // The lease goes last: while it is live nobody takes a source whose own state is not stored yet.
        return Future.join(handovers)
                .eventually(() -> Future.join(samplers.remove(config.nodeName()), pollers.remove(config.nodeName())))
                .eventually(() -> socket.close());
    }
}
