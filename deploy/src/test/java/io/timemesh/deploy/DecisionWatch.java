package io.timemesh.deploy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Follows the selector's decisions through /status and records every decision lost or counted
 * twice: a node's reference sequence going back, one sequence number naming two decisions (a
 * successor numbering anew what its predecessor had already published), or a served history that
 * is not newest first without gaps. A history holding two selectors' decisions shows a successor
 * carrying on from its predecessor's state.
 */
final class DecisionWatch {
    /** As many as /status serves: the carried decisions stay in view for a few seconds after a takeover. */
    private static final int DECISIONS = 64;

    private final NodeProcesses nodes;
    private final Map<Long, String> decisions = new HashMap<>();
    private final Map<String, Long> lastSequence = new HashMap<>();
    final List<String> violations = new ArrayList<>();
    /** "old → new" for every change of selector seen inside one served history. */
    final Set<String> handovers = new LinkedHashSet<>();

    DecisionWatch(NodeProcesses nodes) {
        this.nodes = nodes;
    }

    /** Reads {@code node}'s status, which must have a reference; the selection part is absent while no selector answers. */
    void observe(String node) throws IOException, InterruptedException {
        JsonObject status = nodes.status(node, DECISIONS);
        long sequence = status.getLong("referenceSequence");
        if (sequence < lastSequence.getOrDefault(node, Long.MIN_VALUE)) {
            violations.add(node + "'s reference sequence went back from " + lastSequence.get(node) + " to " + sequence);
        }
        lastSequence.put(node, sequence);
        String decided = decisions.get(sequence);
        if (decided != null && !decided.startsWith(status.getString("referenceSelector") + "@")) {
            violations.add(node + " follows reference " + sequence + " of " + status.getString("referenceSelector")
                    + ", but that sequence was " + decided);
        }
        JsonObject selection = status.getJsonObject("selection");
        if (selection != null) {
            history(selection.getJsonArray("decisions"));
        }
    }

    private void history(JsonArray served) {
        JsonObject newer = null;
        for (int i = 0; i < served.size(); i++) {
            JsonObject decision = served.getJsonObject(i);
            long sequence = decision.getLong("sequence");
            String selector = decision.getString("selectorNode");
            String identity = selector + "@" + decision.getLong("timeNanos");
            String earlier = decisions.putIfAbsent(sequence, identity);
            if (earlier != null && !earlier.equals(identity)) {
                violations.add("sequence " + sequence + " named two decisions: " + earlier + " and " + identity);
            }
            if (newer != null) {
                if (newer.getLong("sequence") != sequence + 1) {
                    violations.add("history not gap-free and newest first: " + sequence + " after "
                            + newer.getLong("sequence"));
                }
                if (!newer.getString("selectorNode").equals(selector)) {
                    handovers.add(selector + " → " + newer.getString("selectorNode"));
                }
            }
            newer = decision;
        }
    }
}
