package io.timemesh.selector;

import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.stats.LineFit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the sources that smear a leap second among sources that step it, or the reverse, so that the two are
 * never mixed silently (issue 13 §2). Around a leap they disagree by up to 0.5 s: a smearing server (Google's,
 * Amazon's: 24 h, noon to noon) runs 1/86 400 slow or fast against one that steps.
 *
 * <p>Only in the 24 h about a midnight that can end in a leap ({@link LeapDays}; the only time a smear runs),
 * each candidate's offset less the median of the candidates not yet judged is tracked, unwrapped across whole
 * seconds (the steppers' leap itself). A source whose relative offset has moved along a straight line at a
 * smear's rate (half to twice 1/86 400), by at least {@link #MIN_DEPARTURE_SECONDS} and by more than five
 * standard errors of the fitted slope, departs from the majority as a smear does: it is judged for the rest of
 * that window and is not a candidate, while it keeps its vote (it simply does not agree). The median is that of
 * the majority's kind, so whichever kind is the minority is the one judged, and reported, never silently
 * outvoted inside the intersection. Pure: time is a parameter.
 */
final class SmearDetector {
    /** A 24 h smear's rate against a server that steps, dimensionless (11.6 ppm). */
    static final double SMEAR_RATE = 1.0 / 86_400;
    /** How far a source must have moved from the majority to be judged, s: under half an hour of a 24 h smear. */
    static final double MIN_DEPARTURE_SECONDS = 0.02;
    /** Fewer candidates than this have no majority to compare with. */
    private static final int MIN_CANDIDATES = 3;
    private static final int MIN_POINTS = 8;
    /** Points kept per source: hours of samples at any poll interval, bounded memory. */
    private static final int MAX_POINTS = 4_096;
    private static final long DAY_SECONDS = 86_400;

    /** One candidate's newest sample at a selection. */
    record Observation(String source, long sampleTimeNanos, double offsetSeconds) {}

    /** A source judged to smear: its rate against the majority (dimensionless) and how far it has moved, s. */
    record Judgement(double rate, double departureSeconds) {}

    private record Point(double localSeconds, double relativeSeconds) {}

    private static final class Track {
        final Deque<Point> points = new ArrayDeque<>();
        long lastSampleNanos = Long.MIN_VALUE;
    }

    private final LeapDays leapDays;
    private final Map<String, Track> tracks = new HashMap<>();
    private final Map<String, Judgement> judged = new LinkedHashMap<>();
    private long windowMidnight = Long.MIN_VALUE;

    /** @param leapDays the days a leap may end: only the midnights ending them are watched */
    SmearDetector(LeapDays leapDays) {
        this.leapDays = leapDays;
    }

    /**
     * Takes one selection's candidates.
     *
     * @param localNanos   now, on the selector's timescale (local + offset is UTC, to a second is enough)
     * @param observations every candidate's newest sample, offsets in seconds on the same timescale
     * @return the sources judged to smear (or to step among smearers) in this window, with their judgement;
     *         empty outside the 24 h about a possible leap
     */
    Map<String, Judgement> observe(long localNanos, List<Observation> observations) {
        List<Double> reference = new ArrayList<>();
        observations.stream().filter(o -> !judged.containsKey(o.source()))
                .forEach(o -> reference.add(o.offsetSeconds()));
        if (reference.size() < MIN_CANDIDATES) {
            return Map.copyOf(judged);
        }
        reference.sort(Double::compare);
        double median = reference.get(reference.size() / 2);
        long utcSeconds = Math.floorDiv(localNanos, 1_000_000_000L) + Math.round(median);
        long midnight = Math.round(utcSeconds / (double) DAY_SECONDS) * DAY_SECONDS;
        if (Math.abs(utcSeconds - midnight) > DAY_SECONDS / 2 || !leapDays.contains(midnight - 1)) {
            windowMidnight = Long.MIN_VALUE;
            tracks.clear();
            judged.clear();
            return Map.of();
        }
        if (midnight != windowMidnight) {
            windowMidnight = midnight;
            tracks.clear();
            judged.clear();
        }
        double now = localNanos / 1e9;
        for (Observation o : observations) {
            if (judged.containsKey(o.source())) {
                continue;
            }
            Track track = tracks.computeIfAbsent(o.source(), s -> new Track());
            if (o.sampleTimeNanos() == track.lastSampleNanos) {
                continue; // the same sample again says nothing new
            }
            track.lastSampleNanos = o.sampleTimeNanos();
            double relative = o.offsetSeconds() - median;
            if (!track.points.isEmpty()) { // the steppers' leap moves a side by a whole second: not a smear
                relative += Math.rint(track.points.peekLast().relativeSeconds() - relative);
            }
            track.points.addLast(new Point(now, relative));
            if (track.points.size() > MAX_POINTS) {
                track.points.removeFirst();
            }
            Judgement judgement = judge(track.points);
            if (judgement != null) {
                judged.put(o.source(), judgement);
                tracks.remove(o.source());
            }
        }
        return Map.copyOf(judged);
    }

    /** A least-squares line through the points; a judgement when it is a smear's, else null. */
    private static Judgement judge(Deque<Point> points) {
        int n = points.size();
        if (n < MIN_POINTS) {
            return null;
        }
        double origin = points.peekFirst().localSeconds();
        double[] x = new double[n];
        double[] y = new double[n];
        int i = 0;
        for (Point p : points) {
            x[i] = p.localSeconds() - origin;
            y[i++] = p.relativeSeconds();
        }
        LineFit line = LineFit.of(x, y);
        double slope = line.slope(); // 0, so no smear, when every point is at one instant
        double departure = Math.abs(slope) * (points.peekLast().localSeconds() - origin);
        boolean smearRate = Math.abs(slope) >= SMEAR_RATE / 2 && Math.abs(slope) <= 2 * SMEAR_RATE;
        return smearRate && departure >= MIN_DEPARTURE_SECONDS && Math.abs(slope) > 5 * line.slopeError()
                ? new Judgement(slope, departure) : null;
    }
}
