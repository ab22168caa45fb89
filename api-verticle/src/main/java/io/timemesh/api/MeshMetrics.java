package io.timemesh.api;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.timemesh.core.clock.ClockStatus;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * timemesh's own gauges, in Prometheus's conventions (base units, {@code _seconds}, {@code _ratio}):
 * this node's clock, the latest reference, and every source as the selector sees it. Updated from the
 * verticle's event loop; read by the scrape.
 */
final class MeshMetrics {
    private final MeterRegistry registry;
    private final ClockView clock;
    private Reference reference;
    private final Map<String, JsonObject> sources = new HashMap<>();
    /** When (local ns) the views in {@link #sources} were received, so a source's sample age keeps growing between them. */
    private long sourcesReceivedNanos;
    private final Set<String> registeredSources = new HashSet<>();

    MeshMetrics(MeterRegistry registry, ClockView clock) {
        this.registry = registry;
        this.clock = clock;
        Gauge.builder("timemesh_clock_error_bound_seconds", this, m -> bound(m.clock.read()))
                .description("How far true time may be from this node's time, either way: the farther end of the interval it serves (NaN before synchronisation)").register(registry);
        for (ClockStatus status : ClockStatus.values()) {
            Gauge.builder("timemesh_clock_status", this, m -> m.clock.read().status() == status ? 1 : 0)
                    .tag("status", status.name()).description("1 for the node's current clock status").register(registry);
        }
        Gauge.builder("timemesh_clock_frequency_offset_ratio", this, m -> m.clock.model().correction().frequency())
                .description("Frequency correction applied to the local timescale").register(registry);
        Gauge.builder("timemesh_clock_bound_growth_ratio", this, m -> m.clock.model().boundGrowthRate())
                .description("How fast the bound grows without new references").register(registry);
        Gauge.builder("timemesh_clock_last_offset_seconds", this, m -> m.clock.model().tracking().lastOffsetSeconds())
                .description("Correction made at the last update").register(registry);
        FunctionCounter.builder("timemesh_clock_panic_refusals", this,
                        m -> m.clock.model().tracking().panic() == null ? 0
                                : m.clock.model().tracking().panic().count())
                .description("References refused because they would have moved the clock by more than the panic threshold")
                .register(registry);
        Gauge.builder("timemesh_reference_interval_width_seconds", this,
                        m -> m.reference == null || !m.reference.usable() ? Double.NaN
                                : m.reference.interval().width())
                .description("Width of the interval a strict majority of sources agrees on").register(registry);
        Gauge.builder("timemesh_reference_survivors", this,
                        m -> m.reference == null ? 0 : m.reference.vote().survivors().size())
                .description("Sources combined into the reference").register(registry);
        Gauge.builder("timemesh_reference_falsetickers", this,
                        m -> m.reference == null ? 0 : m.reference.vote().falsetickers().size())
                .description("Sources outside the agreed region").register(registry);
        Gauge.builder("timemesh_reference_candidates", this,
                        m -> m.reference == null ? 0 : m.reference.vote().candidates())
                .description("Voters in the last selection").register(registry);
    }

    private static double bound(TimeReading reading) {
        return reading.bounded() ? reading.errorBoundNanos() / 1e9 : Double.NaN;
    }

    void onReference(Reference latest) {
        reference = latest;
    }

    /** The selector's view of every source (the GET /sources JSON). */
    void onSources(JsonArray views) {
        sourcesReceivedNanos = clock.localNanos();
        for (Object o : views) {
            JsonObject view = (JsonObject) o;
            String source = view.getString("address");
            sources.put(source, view);
            if (registeredSources.add(source)) {
                register(source);
            }
        }
    }

    private void register(String source) {
        nanosGauge("timemesh_source_offset_seconds", source, "offsetNs", "Offset of the source from the selector's clock");
        nanosGauge("timemesh_source_delay_seconds", source, "delayNs", "Round-trip delay of the source's chosen sample");
        nanosGauge("timemesh_source_jitter_seconds", source, "jitterNs", "Jitter of the source's clock filter");
        nanosGauge("timemesh_source_root_distance_seconds", source, "rootDistanceNs", "Half-width of the source's interval");
        Gauge.builder("timemesh_source_last_sample_age_seconds", this, m -> {
            Double age = m.sources.get(source).getDouble("lastSampleAgeSeconds");
            return age == null ? Double.NaN : age + (m.clock.localNanos() - m.sourcesReceivedNanos) / 1e9;
        }).tag("source", source).description("Time since the source's newest sample was taken (NaN before its first)")
                .register(registry);
        Gauge.builder("timemesh_source_reach", this, m -> m.sources.get(source).getInteger("reach", 0))
                .tag("source", source).description("8-bit reach register").register(registry);
        for (String state : SourceState.labels()) {
            Gauge.builder("timemesh_source_state", this, m -> state.equals(m.sources.get(source).getString("state")) ? 1 : 0)
                    .tags("source", source, "state", state).description("1 for the source's current state")
                    .register(registry);
        }
    }

    private void nanosGauge(String name, String source, String field, String description) {
        Gauge.builder(name, this, m -> {
            Long nanos = m.sources.get(source).getLong(field);
            return nanos == null ? Double.NaN : nanos / 1e9;
        }).tag("source", source).description(description).register(registry);
    }
}
