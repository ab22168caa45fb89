package io.timemesh.deploy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Asks a node for the time over and over while a scenario runs, and records every broken promise:
 * an answer that is not 200 (nothing lost), true time outside a served bound, time running backwards,
 * or SYNCHRONIZED while the scenario says no majority can exist.
 */
final class PromiseWatch {
    private final MeshFixture mesh;
    final List<String> violations = new ArrayList<>();
    final Set<String> statuses = new LinkedHashSet<>();
    int answers;
    private long lastNow = Long.MIN_VALUE;
    private volatile boolean majorityPossible = true;

    PromiseWatch(MeshFixture mesh) {
        this.mesh = mesh;
    }

    /** From now on, SYNCHRONIZED is a lie (the scenario has taken the majority away). */
    void noMajorityFromNow() {
        majorityPossible = false;
    }

    /** Watches for {@code seconds}, asking every 50 ms. */
    void watch(double seconds) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            MeshFixture.Answer answer = mesh.time();
            answers++;
            statuses.add(answer.status());
            if (answer.httpStatus() != 200) {
                violations.add("HTTP " + answer.httpStatus() + ": " + answer.json());
            } else {
                if (answer.bounded() && !answer.holdsTruth()) {
                    violations.add("truth outside the bound: " + answer.json().encode());
                }
                if (answer.now() < lastNow) {
                    violations.add("time ran backwards by " + (lastNow - answer.now()) + " ns");
                }
                lastNow = Math.max(lastNow, answer.now());
                if (!majorityPossible && answer.status().equals("SYNCHRONIZED")) {
                    violations.add("SYNCHRONIZED without a possible majority: " + answer.json().encode());
                }
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }
}
