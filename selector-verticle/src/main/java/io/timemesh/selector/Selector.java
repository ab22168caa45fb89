package io.timemesh.selector;

import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceAuth;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.message.SourceState;
import io.timemesh.core.message.SourceView;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import io.timemesh.core.time.TimebaseLink;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The selector's state and decisions, free of I/O: the newest sample and fault of every source,
 * each selection's outcome, a bounded history of decisions and a count of every source's repeat
 * outlier verdicts (the seeds ask for outliers to be watched over time, not just dropped).
 *
 * <p>Samples are kept as their samplers sent them, on the sampler node's timescale, and rebased to
 * the selector's at each selection through the measured {@link TimebaseLink}: so the state means the
 * same to whichever selector holds it next.
 */
public final class Selector {
    private final SelectorSettings settings;
    private final Map<String, SourceRecord> sources = new LinkedHashMap<>();
    private final Deque<Reference> history = new ArrayDeque<>();
    private final SmearDetector smears;
    private long sequence;

    /** Everything known about one source. */
    private static final class SourceRecord {
        SourceSample sample;
        SourceFault fault;
        /** How its sampler authenticates it, or null when none said (a plain source). */
        SourceAuth auth;
        long outliers;
        SourceState state = SourceState.PENDING;
        String reason = "no sample yet";
        /** The "ip:port" this source last reached, or null before any exchange: one server, one vote. */
        String address;

        void reached(String source, String address) {
            if (address != null && !address.equals(source)) { // a failed resolution reports the name, not an address
                this.address = address;
            }
        }
    }

    public Selector(SelectorSettings settings) {
        this.settings = settings;
        this.smears = new SmearDetector(settings.leapDays());
        settings.sources().forEach(source -> sources.put(source, new SourceRecord()));
    }

    /**
     * Takes a source's newest sample; one of a source this selector is not configured with is ignored. The source
     * counts as unauthenticated until {@link #onAuth} says otherwise: an NTS sample comes with its authentication
     * in the same batch, so a source no longer polled with NTS stops showing it.
     */
    public void onSample(SourceSample sample) {
        SourceRecord record = record(sample.source());
        if (record != null) {
            record.sample = sample;
            record.auth = null;
            record.reached(sample.source(), sample.address());
        }
    }

    /** Takes a source's newest fault; one of a source this selector is not configured with is ignored. */
    public void onFault(SourceFault fault) {
        SourceRecord record = record(fault.source());
        if (record != null) {
            record.fault = fault;
            record.reached(fault.source(), fault.address());
        }
    }

    /**
     * Takes how a source is authenticated, from the sampler of its newest sample (or of none yet); one of a source
     * this selector is not configured with, or from another sampler, is ignored: a sampler vouches for its own
     * samples only.
     */
    public void onAuth(SourceAuth auth) {
        SourceRecord record = record(auth.source());
        if (record != null && (record.sample == null || record.sample.samplerNode().equals(auth.samplerNode()))) {
            record.auth = auth;
        }
    }

    /**
     * The record of a source, or null for one that is not configured: every record is a vote, so a source
     * dropped from the configuration (still in a predecessor's stored state, or still polled by a sampler not
     * yet restarted) must not keep one. Without configured sources (a bare selector) every source is taken.
     */
    private SourceRecord record(String source) {
        return settings.sources().isEmpty() ? sources.computeIfAbsent(source, s -> new SourceRecord())
                : sources.get(source);
    }

    /** Every sampler node's clock relative to ours; empty while a link is still being measured. */
    @FunctionalInterface
    public interface Links {
        Optional<TimebaseLink> to(String node);
    }

    /**
     * Runs one selection as of {@code nowNanos}, records it and returns it.
     *
     * <p>The majority is counted over every configured server, one vote each, whether it answers or not
     * (RFC 5905 §11.2.1 counts the associations, not the survivors): a source that falls silent, sends a
     * kiss, is too distant, unsynchronised or not yet heard from keeps its vote and simply does not agree.
     * Otherwise "fewer than half lie" would quietly become "fewer than half of those still answering
     * lie", and two agreeing liars would win once two honest servers went quiet. A name that reached an
     * address another configured name already reached is an alias of that server and has no vote of its
     * own.
     */
    public Reference select(long nowNanos, Links links) {
        List<Candidate> candidates = new ArrayList<>();
        Map<String, SourceSample> samples = new LinkedHashMap<>();
        List<Reference.Exclusion> exclusions = new ArrayList<>();
        Map<String, String> serverOwners = new HashMap<>(); // address -> the first source that reached it
        int voters = 0;
        for (Map.Entry<String, SourceRecord> entry : sources.entrySet()) {
            String source = entry.getKey();
            SourceRecord record = entry.getValue();
            String address = record.address;
            String owner = address == null ? null : serverOwners.putIfAbsent(address, source);
            if (owner != null) {
                exclude(record, SourceState.ALIAS, "alias of " + owner + " (both reach " + address + "): one server, one vote");
                exclusions.add(new Reference.Exclusion(source, record.state, record.reason));
                continue;
            }
            voters++;
            SourceSample sample = rebased(record, links, nowNanos);
            String excluded = exclusion(record, sample, nowNanos);
            if (excluded != null) {
                exclusions.add(new Reference.Exclusion(source, record.state, record.reason));
                continue;
            }
            candidates.add(new Candidate(source, aged(sample, nowNanos), sample.server().stratum(),
                    settings.selection().trusted().contains(source)));
            samples.put(source, sample);
        }
        excludeSmearing(candidates, samples, exclusions, nowNanos);
        Reference reference = candidates.isEmpty()
                ? new Reference(new Reference.Identity(settings.nodeName(), ++sequence, nowNanos, 0),
                        Reference.Status.NO_CANDIDATES, 0, null, new OffsetInterval(0, 0),
                        new Reference.Vote(0, voters, List.of(), List.of(), exclusions), Reference.Peer.NONE)
                : decide(IntervalSelector.select(candidates, voters), samples, exclusions, nowNanos);
        remember(reference);
        return reference;
    }

    /**
     * Takes out of the candidates the sources that smear a leap second among sources that step it, or the
     * reverse ({@link SmearDetector}): around a leap they disagree by up to 0.5 s, and must not be mixed silently.
     * They keep their votes, as every excluded source does.
     */
    private void excludeSmearing(List<Candidate> candidates, Map<String, SourceSample> samples,
                                 List<Reference.Exclusion> exclusions, long nowNanos) {
        Map<String, SmearDetector.Judgement> smearing = smears.observe(nowNanos, samples.values().stream()
                .map(s -> new SmearDetector.Observation(s.source(), s.sampleTimeNanos(), s.offsetSeconds())).toList());
        candidates.removeIf(candidate -> {
            SmearDetector.Judgement judgement = smearing.get(candidate.source());
            if (judgement == null) {
                return false;
            }
            SourceRecord record = sources.get(candidate.source());
            exclude(record, SourceState.SMEARING, String.format("moves from the majority at %+.1f ppm, %.3f s so far, as a "
                    + "server that smears a leap second does against servers that step it (or the reverse): not mixed "
                    + "with them until the leap's 24 h are over", judgement.rate() * 1e6, judgement.departureSeconds()));
            exclusions.add(new Reference.Exclusion(candidate.source(), record.state, record.reason));
            samples.remove(candidate.source());
            return true;
        });
    }

    private void remember(Reference reference) {
        history.addLast(reference);
        while (history.size() > settings.selection().historySize()) {
            history.removeFirst();
        }
    }

    /** The sampler nodes whose samples this selector holds: links to them are needed before selecting. */
    public Set<String> samplerNodes() {
        Set<String> nodes = new HashSet<>();
        sources.values().forEach(r -> {
            if (r.sample != null) {
                nodes.add(r.sample.samplerNode());
            }
        });
        return nodes;
    }

    /** The record's sample on our timescale; null without a sample or while its sampler's link is unknown. */
    private static SourceSample rebased(SourceRecord record, Links links, long nowNanos) {
        if (record.sample == null) {
            return null;
        }
        return links.to(record.sample.samplerNode()).map(link -> link.rebase(record.sample, nowNanos)).orElse(null);
    }

    /** The reason a source cannot take part, setting its state; null when it is a candidate. */
    private String exclusion(SourceRecord record, SourceSample sample, long nowNanos) {
        SourceFault fault = record.fault;
        // A kiss stops a source until it answers again: a pool member that took another server after one does.
        if (fault != null && fault.stopped() && (record.sample == null || fault.atNanos() > record.sample.publishedNanos())) {
            return exclude(record, SourceState.KISS, "stopped polling: " + fault.error() + " " + fault.detail());
        }
        if (record.sample != null && sample == null) {
            return exclude(record, SourceState.PENDING, "measuring the timebase to sampler node " + record.sample.samplerNode());
        }
        if (sample == null) {
            return exclude(record, fault == null ? SourceState.PENDING : SourceState.UNREACHABLE,
                    fault == null ? "no sample yet" : "no sample yet; last: " + fault.error() + " " + fault.detail());
        }
        double age = (nowNanos - sample.publishedNanos()) / 1e9; // since the source last answered
        if (age > (double) settings.selection().staleAfterPolls() * sample.pollSeconds()) {
            String last = fault != null && fault.atNanos() > record.sample.publishedNanos()
                    ? "; last: " + fault.error() + " " + fault.detail() : "";
            return exclude(record, SourceState.UNREACHABLE, String.format("no sample for %.1f s%s", age, last));
        }
        double distance = aged(sample, nowNanos).halfWidth();
        if (distance >= settings.selection().maxDistanceSeconds()) {
            return exclude(record, SourceState.TOO_DISTANT, String.format("root distance %.6f s >= %.3f s", distance,
                    settings.selection().maxDistanceSeconds()));
        }
        return null;
    }

    private static String exclude(SourceRecord record, SourceState state, String reason) {
        record.state = state;
        record.reason = reason;
        return reason;
    }

    /**
     * The sample's interval widened by maxDrift for every second since the sampler made it: the interval is of true
     * time less the local timescale, which drifts at most that fast (the server's own error is in it already).
     */
    private OffsetInterval aged(SourceSample sample, long nowNanos) {
        return sample.interval().widened(settings.maxDrift() * Math.max(0, nowNanos - sample.publishedNanos()) / 1e9);
    }

    private Reference decide(Intersection intersection, Map<String, SourceSample> samples,
                             List<Reference.Exclusion> exclusions, long nowNanos) {
        int candidates = intersection.voters();
        String region = String.format("[%+.6f, %+.6f]", intersection.regionLow(), intersection.regionHigh());
        if (!intersection.majority()) {
            // Without a majority no side can be called wrong: every candidate stays a candidate.
            for (String source : samples.keySet()) {
                SourceRecord record = sources.get(source);
                exclude(record, SourceState.CANDIDATE, String.format("no majority: the deepest region %s has %d of %d servers",
                        region, intersection.depth(), candidates));
                exclusions.add(new Reference.Exclusion(source, record.state, record.reason));
            }
            return new Reference(new Reference.Identity(settings.nodeName(), ++sequence, nowNanos, 0),
                    Reference.Status.NO_MAJORITY, 0, null, regionOf(intersection),
                    new Reference.Vote(intersection.depth(), candidates, List.of(), List.of(), exclusions),
                    Reference.Peer.NONE);
        }
        for (Candidate falseticker : intersection.falsetickers()) {
            SourceRecord record = sources.get(falseticker.source());
            record.outliers++;
            exclude(record, SourceState.FALSETICKER, String.format("interval [%+.6f, %+.6f] does not cover %s (%d of %d agree)",
                    falseticker.low(), falseticker.high(), region, intersection.depth(), candidates));
            exclusions.add(new Reference.Exclusion(falseticker.source(), record.state, record.reason));
        }
        for (Candidate truechimer : intersection.truechimers()) {
            SourceRecord record = sources.get(truechimer.source());
            record.state = SourceState.SELECTED;
            record.reason = "covers " + region;
        }
        List<String> survivors = intersection.truechimers().stream().map(Candidate::source).toList();
        List<String> falsetickers = intersection.falsetickers().stream().map(Candidate::source).toList();
        double low = intersection.majorityLow();
        double high = intersection.majorityHigh();
        double offset = Math.min(high, Math.max(low, Combiner.combine(intersection.truechimers(), samples, nowNanos)));
        Candidate peer = intersection.truechimers().stream()
                .min(Comparator.comparingDouble(Candidate::rootDistanceSeconds)).orElseThrow();
        SourceSample peerSample = samples.get(peer.source());
        long basis = intersection.truechimers().stream()
                .mapToLong(c -> samples.get(c.source()).sampleTimeNanos()).max().orElseThrow();
        LeapIndicator leap = LeapVote.of(survivors.stream().map(source -> samples.get(source).server().leap()).toList(),
                nowNanos / 1e9 + offset, settings.leapDays());
        return new Reference(new Reference.Identity(settings.nodeName(), ++sequence, nowNanos, basis),
                Reference.Status.MAJORITY, offset, new OffsetInterval(low, high), regionOf(intersection),
                new Reference.Vote(intersection.depth(), candidates, survivors, falsetickers, exclusions),
                new Reference.Peer(peerSample.server().stratum(), leap, peer.source(), peerSample.address(),
                        peerSample.server().rootDelaySeconds() + peerSample.filter().delaySeconds()));
    }

    private static OffsetInterval regionOf(Intersection intersection) {
        return new OffsetInterval(intersection.regionLow(), intersection.regionHigh());
    }

    /** Every known source as of the last selection, on our timescale, sample fields aged to {@code nowNanos}. */
    public List<SourceView> sources(long nowNanos, Links links) {
        List<SourceView> views = new ArrayList<>();
        for (Map.Entry<String, SourceRecord> entry : sources.entrySet()) {
            SourceRecord r = entry.getValue();
            SourceSample s = rebased(r, links, nowNanos);
            int reach = r.fault != null && (r.sample == null || r.fault.atNanos() > r.sample.publishedNanos())
                    ? r.fault.reach() : r.sample == null ? 0 : r.sample.reach();
            views.add(new SourceView(entry.getKey(), r.state, r.reason,
                    s == null ? null : nanos(s.offsetSeconds()),
                    s == null ? null : nanos(s.filter().delaySeconds()),
                    s == null ? null : nanos(s.filter().dispersionSeconds()),
                    s == null ? null : nanos(s.filter().jitterSeconds()),
                    s == null ? null : nanos(aged(s, nowNanos).halfWidth()),
                    s == null ? null : s.server().stratum(),
                    s == null ? null : s.server().referenceId(),
                    reach,
                    s == null ? null : (nowNanos - s.publishedNanos()) / 1e9,
                    s == null ? 0 : s.pollSeconds(),
                    r.sample == null ? (r.fault == null ? null : r.fault.samplerNode()) : r.sample.samplerNode(),
                    r.outliers,
                    r.auth == null ? SourceAuth.NONE : r.auth.auth(),
                    r.auth == null ? null : r.auth.cookies(),
                    r.auth == null || r.auth.lastKeyExchangeNanos() == 0 ? null : r.auth.lastKeyExchangeNanos(),
                    s == null ? null : nanos(s.estimateAt(nowNanos)),
                    s == null ? null : nanos(s.estimate().errorSeconds()),
                    s == null ? null : s.estimate().frequency() * 1e6));
        }
        return views;
    }

    private static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    /** What a successor needs to carry on: every source's newest sample, fault, outlier count and authentication. */
    public SelectorState state() {
        List<SelectorState.Entry> entries = new ArrayList<>();
        sources.forEach((source, r) ->
                entries.add(new SelectorState.Entry(source, r.sample, r.fault, r.outliers, r.auth)));
        List<Reference> recent = new ArrayList<>(history);
        return new SelectorState(sequence, entries,
                recent.subList(Math.max(0, recent.size() - SelectorState.CARRIED_DECISIONS), recent.size()));
    }

    /** Takes over a predecessor's state, for the sources this selector is configured with. */
    public void restore(SelectorState state) {
        sequence = Math.max(sequence, state.sequence());
        // A selector leading again may hold decisions of the same numbers: each is kept once, in order, and
        // the stored one wins (a decision of ours whose store failed was never published).
        TreeMap<Long, Reference> decisions = new TreeMap<>();
        history.forEach(r -> decisions.put(r.id().sequence(), r));
        state.recentDecisions().forEach(r -> decisions.put(r.id().sequence(), r));
        history.clear();
        decisions.values().forEach(this::remember);
        for (SelectorState.Entry entry : state.sources()) {
            SourceRecord record = record(entry.source());
            if (record == null) {
                continue;
            }
            record.sample = entry.sample();
            record.fault = entry.fault();
            record.outliers = entry.outliers();
            record.auth = entry.auth();
            if (entry.sample() != null) {
                record.reached(entry.source(), entry.sample().address());
            }
            if (entry.fault() != null) {
                record.reached(entry.source(), entry.fault().address());
            }
        }
    }

    /** Recent decisions, newest last. */
    public List<Reference> history() {
        return List.copyOf(history);
    }

    public SelectorSettings settings() {
        return settings;
    }
}
