package io.timemesh.deploy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Asks nodes for the time back to back, a round at a time, and records every broken promise: true
 * time outside the served interval, a node's time running backwards, or intervals of one round that
 * do not overlap. Answers that are not SYNCHRONIZED are recorded apart, for the scenario to judge.
 */
final class ClusterRounds {
    /** An answer that was not SYNCHRONIZED, and when it was asked for on the test's timescale. */
    record Unsynchronized(String node, String status, long sentLocal) {}

    private final NodeProcesses nodes;
    private final Map<String, Long> lastNow = new HashMap<>();
    final List<String> violations = new ArrayList<>();
    final List<Unsynchronized> unsynchronized = new ArrayList<>();
    int queries;

    ClusterRounds(NodeProcesses nodes) {
        this.nodes = nodes;
    }

    void round(List<String> names) throws IOException, InterruptedException {
        List<MeshFixture.Answer> answers = new ArrayList<>();
        for (String node : names) {
            answers.add(nodes.time(node));
        }
        queries += names.size();
        long reference = answers.get(0).sentLocal();
        long low = Long.MIN_VALUE;
        long high = Long.MAX_VALUE;
        for (int i = 0; i < answers.size(); i++) {
            String node = names.get(i);
            MeshFixture.Answer a = answers.get(i);
            if (!a.status().equals("SYNCHRONIZED")) {
                unsynchronized.add(new Unsynchronized(node, a.status(), a.sentLocal()));
            }
            if (!a.holdsTruth()) {
                violations.add("truth outside " + node + ": " + a.json().encode());
                continue;
            }
            if (a.now() < lastNow.getOrDefault(node, Long.MIN_VALUE)) {
                violations.add("time ran backwards on " + node);
            }
            lastNow.put(node, a.now());
            // The interval carried back to a common instant, by what our own clock says elapsed.
            low = Math.max(low, a.earliest() - (a.receivedLocal() - reference));
            high = Math.min(high, a.latest() - (a.sentLocal() - reference));
        }
        if (low > high) {
            violations.add("intervals do not overlap: " + answers.stream().map(a -> a.json().encode()).toList());
        }
    }
}
