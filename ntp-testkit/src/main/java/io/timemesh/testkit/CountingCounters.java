package io.timemesh.testkit;

import io.timemesh.core.message.Reference;
import io.timemesh.core.metrics.NodeCounters;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link NodeCounters} that keep every count by name, for tests to compare with what they saw happen: NTP
 * outcomes as {@code ntp:<outcome>/<reason>}, exchanges as {@code exchange:<outcome>}, steps as
 * {@code step:forward} or {@code step:backward}, selections as {@code selection:<STATUS>} and falseticker verdicts
 * as {@code falseticker:<source>}. Safe to read from the test's thread while event loops count.
 */
public class CountingCounters implements NodeCounters {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    private void count(String name) {
        count(name, 1);
    }

    private void count(String name, long times) {
        counts.computeIfAbsent(name, n -> new AtomicLong()).addAndGet(times);
    }

    @Override
    public void ntpRequest(NtpOutcome outcome) {
        count("ntp:" + outcome.outcome() + "/" + outcome.reason());
    }

    @Override
    public void ntpRequests(NtpOutcome outcome, long count) {
        count("ntp:" + outcome.outcome() + "/" + outcome.reason(), count);
    }

    @Override
    public void exchange(String outcome) {
        count("exchange:" + outcome);
    }

    @Override
    public void clockStep(boolean forward) {
        count(forward ? "step:forward" : "step:backward");
    }

    @Override
    public void selection(Reference reference) {
        count("selection:" + reference.status());
        reference.vote().falsetickers().forEach(source -> count("falseticker:" + source));
    }

    /** The count of {@code name}; 0 for what never happened. */
    public long get(String name) {
        AtomicLong count = counts.get(name);
        return count == null ? 0 : count.get();
    }

    /** Every non-zero count, by name, sorted. */
    public Map<String, Long> all() {
        Map<String, Long> all = new TreeMap<>();
        counts.forEach((name, count) -> all.put(name, count.get()));
        return all;
    }
}
