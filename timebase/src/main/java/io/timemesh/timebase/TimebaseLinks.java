package io.timemesh.timebase;

import io.timemesh.core.exchange.ClockFilter;
import io.timemesh.core.exchange.ExchangeMath;
import io.timemesh.core.exchange.FilteredEstimate;
import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.TimeSource;
import io.timemesh.core.time.TimebaseLink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.security.SecureRandom;

/**
 * This node's measured links to other nodes' timescales. Probes each tracked node with the NTP
 * four-timestamp exchange over the event bus and keeps the least-delay answer of the last eight in a
 * {@link ClockFilter}, as for an NTP source: half the round trip bounds the error however the bus
 * splits it. Probes go in bursts of four, one after another, every second: an idle cluster takes
 * 2–6 ms for a round trip while every hop wakes a parked thread, a warm one about 0.1 ms, and the
 * filter keeps the warm answer. A reply counts only if {@link MeshAuth} finds it sealed by the node
 * asked and carrying the probe's random nonce. Use from one Vert.x context.
 */
public final class TimebaseLinks {
    private static final long PROBE_TIMEOUT_MILLIS = 1_000;
    /**
     * How recently a node must have answered our probes for its lease renewals to count ({@link
     * #answeringWithin}): long enough that probes lost on a loaded machine or a slow join do not depose a live
     * writer, short enough that a dead writer's replayed values hold a takeover back by this much at most, even
     * at a reader that restarted and knows none of its counters. 10 s, in ns.
     */
    public static final long ANSWER_WINDOW_NANOS = 10_000_000_000L;
    /** The channel replies are checked and refusals counted under: every node's timebase address. */
    private static final String CHANNEL = EventBusAddresses.TIMEBASE_PREFIX + "*";
    private static final long PROBE_PERIOD_MILLIS = 1_000;
    private static final int BURST = 4;
    private static final SecureRandom NONCES = new SecureRandom();

    private final Vertx vertx;
    private final TimeSource clock;
    private final String self;
    private final MeshAuth auth;
    private final double precisionSeconds;
    /** A node nobody has asked about for this long is no longer probed (it may be long gone). */
    private static final long FORGET_AFTER_NANOS = 60_000_000_000L;

    private record Tracked(ClockFilter filter, long timerId, long[] lastAskedNanos, long[] lastAnsweredNanos) {}

    private final Map<String, Tracked> links = new HashMap<>();

    /**
     * @param clock         this node's local timescale
     * @param auth          checks the replies; its node is this one
     * @param precisionLog2 how precisely {@code clock} is read (log2 s)
     */
    public TimebaseLinks(Vertx vertx, TimeSource clock, MeshAuth auth, int precisionLog2) {
        this.vertx = vertx;
        this.clock = clock;
        this.self = auth.node();
        this.auth = auth;
        this.precisionSeconds = Math.scalb(1.0, precisionLog2);
    }

    /** The link to {@code node} as of now, or empty while it is still being measured. Starts tracking it. */
    public Optional<TimebaseLink> link(String node) {
        if (self.equals(node)) {
            return Optional.of(TimebaseLink.self(node));
        }
        Tracked tracked = links.get(node);
        if (tracked == null) {
            track(node);
            return Optional.empty();
        }
        tracked.lastAskedNanos()[0] = clock.nowNanos();
        FilteredEstimate estimate = tracked.filter().estimate(clock.nowNanos());
        if (estimate == null) {
            return Optional.empty();
        }
        // The chosen probe alone bounds the offset: δ/2 + ε (the link ages it further at 2 × PHI). The
        // filter's jitter describes the other probes, not this one, so it is not added here.
        NtpSample best = estimate.best();
        double distance = best.delaySeconds() / 2 + best.dispersionSeconds();
        return Optional.of(new TimebaseLink(node, best.offsetSeconds(), distance, best.t4Nanos()));
    }

    /**
     * Whether {@code node} may be taken as alive: it answered one of our probes within the last
     * {@code withinNanos} (sealed by it and carrying that probe's random nonce, which nobody can replay),
     * or we began probing it less than that ago and the first answers may still be on their way. This
     * node always is. Starts probing {@code node} if nobody had asked about it.
     */
    public boolean answeringWithin(String node, long withinNanos) {
        if (self.equals(node)) {
            return true;
        }
        Tracked tracked = links.get(node);
        if (tracked == null) {
            track(node);
            return true;
        }
        long now = clock.nowNanos();
        tracked.lastAskedNanos()[0] = now;
        return now - tracked.lastAnsweredNanos()[0] < withinNanos;
    }

    private void track(String node) {
        long[] lastAsked = {clock.nowNanos()};
        long timerId = vertx.setPeriodic(PROBE_PERIOD_MILLIS, id -> {
            if (clock.nowNanos() - lastAsked[0] > FORGET_AFTER_NANOS) {
                vertx.cancelTimer(id);
                links.remove(node);
            } else {
                burst(node, BURST);
            }
        });
        // Tracking begins as if answered now: the first verdict on a node comes one window later.
        links.put(node, new Tracked(new ClockFilter(), timerId, lastAsked, new long[] {lastAsked[0]}));
        burst(node, BURST);
    }

    /** {@code remaining} probes, each sent when the previous one is answered. */
    private void burst(String node, int remaining) {
        if (remaining > 0) {
            probe(node).onSuccess(answered -> burst(node, remaining - 1));
        }
    }

    private Future<Void> probe(String node) {
        String address = EventBusAddresses.timebase(node);
        // Unpredictable: an uninvited member that could guess future nonces could collect genuine replies
        // for them in advance and play them back as fresh ones.
        long nonce = NONCES.nextLong();
        JsonObject probe = auth.seal(address, new JsonObject().put("nonce", nonce)); // before T1: not in δ
        long t1 = clock.nowNanos();
        // A failed probe leaves the last estimate to age (the link's bound grows with it) and is counted: a
        // live node whose probes go unanswered for long has its requests diverted.
        return vertx.eventBus().request(address, probe,
                new DeliveryOptions().setSendTimeout(PROBE_TIMEOUT_MILLIS)).map(message -> {
                    long t4 = clock.nowNanos();
                    Optional<JsonObject> reply = auth.openReply(address, CHANNEL, node,
                            nonce, message.body());
                    if (reply.isEmpty() || !(reply.get().getValue("t2") instanceof Number n2)
                            || !(reply.get().getValue("t3") instanceof Number n3)) {
                        return (Void) null; // refused (and counted): as good as no answer
                    }
                    long t2 = n2.longValue();
                    long t3 = n3.longValue();
                    double delay = ExchangeMath.delaySeconds(t1, t2, t3, t4);
                    Tracked tracked = links.get(node);
                    if (tracked != null) {
                        tracked.lastAnsweredNanos()[0] = t4;
                        if (delay >= 0) { // negative only if a clock jumped mid-probe: dropped
                            tracked.filter().add(new NtpSample(t1, t4, ExchangeMath.offsetSeconds(t1, t2, t3, t4),
                                    delay, ExchangeMath.dispersionSeconds(precisionSeconds, precisionSeconds, t1, t4), 0,
                                    0, 1, node, LeapIndicator.NO_WARNING, 0));
                        }
                    }
                    return (Void) null;
                }).onFailure(e -> auth.reject(CHANNEL, MeshAuth.Rejection.UNANSWERED,
                        node + ": " + e.getMessage()));
    }
}
