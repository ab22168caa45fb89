package io.timemesh.deploy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Watches which leader each node follows, for {@link LeadershipIT} and {@link PartitionIT}. Per node and
 * check: the leader whose authenticated references the node follows, the selector answering on its event
 * bus, and the (epoch, sequence) of the reference it applied, which must never go back (a violation).
 * A check finds one leader when every node follows the same leader and that leader answers as selector
 * everywhere. A selector that is the followed leader but whose status request timed out on a loaded machine
 * is an unanswered query, counted apart: it says nothing about who leads.
 */
final class LeaderWatch {
    private final NodeProcesses nodes;
    private final Map<String, long[]> last = new HashMap<>();
    /** Applied (epoch, sequence) that went back, one line each. */
    final List<String> violations = new ArrayList<>();
    /** Each check, with its time in seconds after {@link #check}'s origin, for the failure message. */
    final List<String> timeline = new ArrayList<>();
    /** Checks in which some node's selector query timed out while it followed the one leader. */
    int unanswered;

    LeaderWatch(NodeProcesses nodes) {
        this.nodes = nodes;
    }

    /** One check of all nodes at {@code seconds} after the watched event; true if they follow one leader. */
    boolean check(List<String> all, double seconds) {
        Set<String> leaders = new LinkedHashSet<>();
        Set<String> disagreements = new LinkedHashSet<>();
        boolean timedOut = false;
        for (String node : all) {
            View view = view(node);
            leaders.add(view.leader);
            if (view.selector != null && !view.selector.equals(view.leader)) {
                disagreements.add(node + " sees selector " + view.selector);
            } else if (view.selector == null) {
                if (view.error != null && view.error.contains("Timed out")) {
                    timedOut = true;
                } else {
                    disagreements.add(node + " sees no selector: " + view.error);
                }
            }
        }
        boolean one = leaders.size() == 1 && !leaders.contains(null) && disagreements.isEmpty();
        if (one && timedOut) {
            unanswered++;
        }
        timeline.add(String.format("%.1f s: %s%s%s", seconds, leaders, disagreements.isEmpty() ? "" : " " + disagreements,
                timedOut ? " (a selector query timed out)" : ""));
        return one;
    }

    /**
     * Starts a new phase (e.g. after a wake or a heal): the timeline and the unanswered count start again,
     * while each node's last applied (epoch, sequence) is kept, so going back across phases is still caught.
     *
     * @return the distinct states of the phase that ended, as {@link #seen()}
     */
    Set<String> nextPhase() {
        Set<String> ended = seen();
        timeline.clear();
        unanswered = 0;
        return ended;
    }

    /** The distinct states seen, in order, for a printed summary. */
    Set<String> seen() {
        Set<String> seen = new LinkedHashSet<>();
        timeline.forEach(line -> seen.add(line.substring(line.indexOf(':') + 2)));
        return seen;
    }

    private record View(String leader, String selector, String error) {
    }

    private View view(String node) {
        JsonObject status;
        try {
            status = nodes.status(node, 0);
        } catch (IOException | InterruptedException e) {
            return new View(null, null, node + " did not answer /status: " + e);
        }
        JsonObject mesh = status.getJsonObject("mesh");
        JsonObject selection = status.getJsonObject("selection");
        String selector = selection == null ? null : selection.getString("selectorNode");
        if (mesh == null || mesh.getString("leader") == null || mesh.getJsonObject("applied") == null) {
            return new View(null, selector, "follows no leader");
        }
        JsonObject applied = mesh.getJsonObject("applied");
        // Epoch and sequence of one applied reference, read together by the discipline.
        long[] now = {applied.getLong("epoch"), applied.getLong("sequence")};
        long[] before = last.put(node, now);
        if (before != null && (now[0] < before[0] || (now[0] == before[0] && now[1] < before[1]))) {
            violations.add(node + " went back from (epoch " + before[0] + ", reference " + before[1] + ") to (epoch "
                    + now[0] + ", reference " + now[1] + ")");
        }
        return new View(mesh.getString("leader"), selector, status.getString("selectionError"));
    }
}
