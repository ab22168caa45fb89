package io.timemesh.timebase;

import io.timemesh.core.exchange.ClockFilter;
import io.timemesh.core.exchange.ExchangeMath;
import io.timemesh.core.exchange.FilteredEstimate;
import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.TimeSource;
import io.timemesh.core.time.TimebaseLink;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * This node's measured links to other nodes' timescales. Probes each tracked node with the NTP
 * four-timestamp exchange over the event bus (a burst of four at first, then every second) and keeps
 * the least-delay answer of the last eight in a {@link ClockFilter}, exactly as for an NTP source:
 * half the round trip bounds the error however the bus splits it. Use from one Vert.x context.
 */
public final class TimebaseLinks {
    private static final long PROBE_TIMEOUT_MILLIS = 1_000;
    private static final long PROBE_PERIOD_MILLIS = 1_000;
    private static final long BURST_SPACING_MILLIS = 25;
    private static final int BURST = 4;

    private final Vertx vertx;
    private final TimeSource clock;
    private final String self;
    private final double precisionSeconds;
    private final Map<String, ClockFilter> links = new HashMap<>();

    public TimebaseLinks(Vertx vertx, TimeSource clock, String self, int precisionLog2) {
        this.vertx = vertx;
        this.clock = clock;
        this.self = self;
        this.precisionSeconds = Math.scalb(1.0, precisionLog2);
    }

    /** The link to {@code node} as of now, or empty while it is still being measured. Starts tracking it. */
    public Optional<TimebaseLink> link(String node) {
        if (self.equals(node)) {
            return Optional.of(TimebaseLink.self(node));
        }
        ClockFilter filter = links.get(node);
        if (filter == null) {
            track(node);
            return Optional.empty();
        }
        FilteredEstimate estimate = filter.estimate(clock.nowNanos());
        return estimate == null ? Optional.empty() : Optional.of(new TimebaseLink(node, estimate.best().offsetSeconds(),
                estimate.rootDistanceSeconds(), estimate.best().t4Nanos()));
    }

    private void track(String node) {
        links.put(node, new ClockFilter());
        for (int i = 0; i < BURST; i++) {
            vertx.setTimer(1 + i * BURST_SPACING_MILLIS, id -> probe(node));
        }
        vertx.setPeriodic(PROBE_PERIOD_MILLIS, id -> probe(node));
    }

    private void probe(String node) {
        long t1 = clock.nowNanos();
        vertx.eventBus().<JsonObject>request(EventBusAddresses.timebase(node), null,
                new DeliveryOptions().setSendTimeout(PROBE_TIMEOUT_MILLIS)).onSuccess(reply -> {
                    long t4 = clock.nowNanos();
                    long t2 = reply.body().getLong("t2");
                    long t3 = reply.body().getLong("t3");
                    double delay = ExchangeMath.delaySeconds(t1, t2, t3, t4);
                    if (delay < 0) {
                        return; // impossible unless a clock jumped mid-probe; drop it
                    }
                    links.get(node).add(new NtpSample(t1, t4, ExchangeMath.offsetSeconds(t1, t2, t3, t4), delay,
                            ExchangeMath.dispersionSeconds(precisionSeconds, precisionSeconds, t1, t4), 0, 0, 1, node,
                            LeapIndicator.NO_WARNING, 0));
                }); // a failed probe leaves the last estimate to age; the link's bound grows with it
    }
}
