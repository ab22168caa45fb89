package io.timemesh.selector;

import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceAuth;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SourceSample;
import io.vertx.core.json.Json;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the selector's stored value, {@code {"epoch": E, "state": <SelectorState>}}, as JSON text that
 * reads back as {@link io.vertx.core.json.JsonObject#mapFrom} would have written it, re-encoding only the
 * source entries and decisions that changed since the last call. The leader stores its state before every
 * reference; at a thousand sources that state is most of a megabyte, of which a second's selections change
 * about half, and encoding all of it each time was most of a node's CPU. Not thread-safe: one per selector.
 */
final class StateEncoder {
    /** A source's entry as last encoded, with what it was encoded from (samples, faults and auths are immutable). */
    private record Encoded(SourceSample sample, SourceFault fault, long outliers, SourceAuth auth, String json) {}

    private Map<String, Encoded> entries = new HashMap<>();
    /** Decisions by identity: a restored decision may share a number with one of ours and still differ. */
    private Map<Reference, String> decisions = new IdentityHashMap<>();

    /**
     * @param epoch the leadership the state is stored under
     * @param state the selector's state
     * @return the value's JSON text
     */
    String encode(long epoch, SelectorState state) {
        StringBuilder out = new StringBuilder(1 << 16);
        out.append("{\"epoch\":").append(epoch).append(",\"state\":{\"sequence\":").append(state.sequence())
                .append(",\"sources\":[");
        Map<String, Encoded> nowEntries = new HashMap<>();
        String comma = "";
        for (SelectorState.Entry entry : state.sources()) {
            Encoded last = entries.get(entry.source());
            if (last == null || last.sample() != entry.sample() || last.fault() != entry.fault()
                    || last.outliers() != entry.outliers() || last.auth() != entry.auth()) {
                last = new Encoded(entry.sample(), entry.fault(), entry.outliers(), entry.auth(), Json.encode(entry));
            }
            nowEntries.put(entry.source(), last);
            out.append(comma).append(last.json());
            comma = ",";
        }
        out.append("],\"recentDecisions\":[");
        Map<Reference, String> nowDecisions = new IdentityHashMap<>();
        comma = "";
        for (Reference decision : state.recentDecisions()) {
            String json = Objects.requireNonNullElseGet(decisions.get(decision), () -> Json.encode(decision));
            nowDecisions.put(decision, json);
            out.append(comma).append(json);
            comma = ",";
        }
        entries = nowEntries; // what is gone from the state is forgotten
        decisions = nowDecisions;
        return out.append("]}}").toString();
    }
}
