package io.timemesh.deploy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.timemesh.core.message.Reference;
import io.timemesh.core.metrics.NodeCounters;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link NodeCounters} as Prometheus counters in the node's registry. Every series of a closed label set is
 * registered at start, at 0, so that rates and alerts have something to read before the first event:
 * <ul>
 *   <li>{@code timemesh_ntp_requests_total{outcome, reason}}: answered/served, rate_limited/kiss_of_death,
 *       rate_limited/dropped, dropped/malformed, dropped/unanswered_mode, dropped/overloaded (the kernel dropped them
 *       unread: {@code UdpDrops});</li>
 *   <li>{@code timemesh_exchanges_total{outcome}}: ok, timeout, each kiss code, bogus_origin, malformed, …;</li>
 *   <li>{@code timemesh_clock_steps_total{direction}}: forward, backward;</li>
 *   <li>{@code timemesh_selections_total{status}}: majority, no_majority, no_candidates;</li>
 *   <li>{@code timemesh_falseticker_verdicts_total{source}}: registered, at 0, for every source a selection
 *       names (so a first verdict shows in {@code rate()}).</li>
 * </ul>
 * The NTP server's counters are looked up by enum, not by name, since it counts every request.
 */
final class MicrometerCounters implements NodeCounters {
    private final MeterRegistry registry;
    private final Map<NtpOutcome, Counter> ntp = new EnumMap<>(NtpOutcome.class);
    private final Map<String, Counter> exchanges = new HashMap<>();
    private final Counter forward;
    private final Counter backward;
    private final Map<Reference.Status, Counter> selections = new EnumMap<>(Reference.Status.class);
    /** Selectors may move between nodes, and verdicts come from one event loop at a time, but not always the same. */
    private final Map<String, Counter> falsetickers = new ConcurrentHashMap<>();

    MicrometerCounters(MeterRegistry registry) {
        this.registry = registry;
        for (NtpOutcome outcome : NtpOutcome.values()) {
            ntp.put(outcome, Counter.builder("timemesh.ntp.requests")
                    .description("NTP requests the server read, by what became of them")
                    .tags("outcome", outcome.outcome(), "reason", outcome.reason()).register(registry));
        }
        for (String outcome : NodeCounters.exchangeOutcomes()) {
            exchanges.put(outcome, Counter.builder("timemesh.exchanges")
                    .description("Exchanges with NTP sources this node's sampler finished, by outcome")
                    .tag("outcome", outcome).register(registry));
        }
        forward = steps("forward");
        backward = steps("backward");
        for (Reference.Status status : Reference.Status.values()) {
            selections.put(status, Counter.builder("timemesh.selections")
                    .description("Selections made by this node's selector while it led, by result")
                    .tag("status", status.name().toLowerCase(Locale.ROOT)).register(registry));
        }
    }

    private Counter steps(String direction) {
        return Counter.builder("timemesh.clock.steps")
                .description("Times this node's discipline stepped its clock rather than slewing it")
                .tag("direction", direction).register(registry);
    }

    @Override
    public void ntpRequest(NtpOutcome outcome) {
        ntp.get(outcome).increment();
    }

    @Override
    public void ntpRequests(NtpOutcome outcome, long count) {
        ntp.get(outcome).increment(count);
    }

    @Override
    public void exchange(String outcome) {
        Counter counter = exchanges.get(outcome);
        if (counter == null) {
            throw new IllegalArgumentException("not an exchange outcome: " + outcome);
        }
        counter.increment();
    }

    @Override
    public void clockStep(boolean isForward) {
        (isForward ? forward : backward).increment();
    }

    @Override
    public void selection(Reference reference) {
        selections.get(reference.status()).increment();
        reference.vote().survivors().forEach(this::verdicts);
        reference.vote().exclusions().forEach(exclusion -> verdicts(exclusion.source()));
        reference.vote().falsetickers().forEach(source -> verdicts(source).increment());
    }

    private Counter verdicts(String source) {
        return falsetickers.computeIfAbsent(source, s -> Counter.builder("timemesh.falseticker.verdicts")
                .description("Selections that found the source outside the interval a majority agrees on")
                .tag("source", s).register(registry));
    }
}
