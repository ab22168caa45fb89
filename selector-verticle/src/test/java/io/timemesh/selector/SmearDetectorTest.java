package io.timemesh.selector;

import io.timemesh.core.message.SourceState;
import io.vertx.core.json.JsonObject;
import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.clock.LeapMode;
import io.timemesh.core.clock.LeapSecond;
import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.message.SourceView;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import io.timemesh.core.time.TimebaseLink;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §2: sources that smear a leap second and sources that step it disagree by up to 0.5 s around it. The
 * minority kind is found within the first hour of the smear and reported, never mixed silently; on fake time,
 * a sample every 16 s from 13 h before the leap to 13 h after it.
 */
class SmearDetectorTest {
    private static final long S = 1_000_000_000L;
    private static final long HOUR = 3_600 * S;
    /** True time less local time: the selector's timescale is UTC 0.3 s behind. */
    private static final long THETA = 300_000_000L;
    private static final long DEC_31 = Instant.parse("2027-01-01T00:00:00Z").getEpochSecond() * S;
    private static final long DEC_16 = Instant.parse("2026-12-16T00:00:00Z").getEpochSecond() * S;

    /** A server's offset at local time {@code local}, s: one that steps the leap at midnight, or smears it. */
    private static double offset(boolean smears, long midnight, long local, double noise) {
        long v = local + THETA;
        LeapSecond leap = new LeapSecond(midnight, true, smears ? LeapMode.SMEAR : LeapMode.STEP);
        long served = smears ? leap.smearedNanos(v) : v < midnight ? v : v - S; // a kernel step repeats 23:59:59
        return (served - local) / 1e9 + noise;
    }

    /** Runs the detector through the 26 h; the local time each source was first judged at (absent: never). */
    private static Map<String, Long> run(long midnight, int steppers, int smearers, double jitterSeconds,
                                         Map<String, Long> clearedAt) {
        SmearDetector detector = new SmearDetector(LeapDays.JUNE_DECEMBER);
        Random random = new Random(13);
        Map<String, Long> judged = new HashMap<>();
        for (long local = midnight - 13 * HOUR; local < midnight + 13 * HOUR; local += 16 * S) {
            List<SmearDetector.Observation> observations = new ArrayList<>();
            for (int i = 0; i < steppers + smearers; i++) {
                boolean smears = i >= steppers;
                observations.add(new SmearDetector.Observation((smears ? "smear" : "step") + i, local,
                        offset(smears, midnight, local, random.nextGaussian() * jitterSeconds)));
            }
            Map<String, SmearDetector.Judgement> now = detector.observe(local, observations);
            for (String source : now.keySet()) {
                judged.putIfAbsent(source, local);
            }
            if (now.isEmpty() && !judged.isEmpty()) {
                clearedAt.putIfAbsent("all", local);
            }
        }
        return judged;
    }

    @Test
    void smearersAmongSteppersAreFoundWithinTheSmearsFirstHour() {
        Map<String, Long> cleared = new HashMap<>();
        Map<String, Long> judged = run(DEC_31, 3, 2, 0.0005, cleared);
        assertThat(judged).containsOnlyKeys("smear3", "smear4");
        long noon = DEC_31 - 12 * HOUR - THETA;
        assertThat(judged.values()).allSatisfy(at -> assertThat(at).isBetween(noon, noon + HOUR));
        // Noon after the leap the smear is over, and with it the judgement.
        // (Local time is UTC − 0.3 s before the leap and UTC + 0.7 s after it; a selection every 16 s.)
        assertThat(cleared.get("all")).isBetween(DEC_31 + 12 * HOUR, DEC_31 + 12 * HOUR + 17 * S);
    }

    @Test
    void steppersAmongSmearersAreTheMinorityReported() {
        Map<String, Long> judged = run(DEC_31, 2, 3, 0.0005, new HashMap<>());
        assertThat(judged).containsOnlyKeys("step0", "step1");
    }

    @Test
    void jitteryServersThatAllStepAreNeverJudged() {
        assertThat(run(DEC_31, 5, 0, 0.005, new HashMap<>())).isEmpty();
    }

    /** A drift like a smear's, but on a day no leap can be: not a smear, left to the intersection. */
    @Test
    void noOneIsJudgedOnADayWithoutALeap() {
        assertThat(run(DEC_16, 3, 2, 0.0005, new HashMap<>())).isEmpty();
    }

    private static SourceSample sample(String source, long at, double offset) {
        return new SourceSample(source, source + ".ip:123", "node-a", at, at, OffsetInterval.around(offset, 0.002),
                new SourceSample.Filter(0.002, 1e-6, 1e-4, 8),
                new SourceSample.ServerFields(2, "GPS", LeapIndicator.NO_WARNING, 0.001),
                new SourceSample.Estimate(offset, 0, 0), 0xFF, 16);
    }

    /** Through the selector: the smearers are shown as such in /sources and keep their votes without agreeing. */
    @Test
    void theSelectorReportsSmearersAndSelectsTheSteppers() {
        List<String> names = List.of("step0", "step1", "step2", "smear3", "smear4");
        Selector selector = new Selector(new SelectorSettings("node-s", new SelectionSettings(4, 1.5, Set.of(), 64, 1_000), names, 15,
                LeapDays.JUNE_DECEMBER));
        Selector.Links sameClock = node -> Optional.of(TimebaseLink.self(node));
        Reference reference = null;
        long local = DEC_31 - 12 * HOUR - THETA;
        for (; local < DEC_31 - 11 * HOUR; local += 16 * S) {
            for (String name : names) {
                selector.onSample(sample(name, local, offset(name.startsWith("smear"), DEC_31, local, 0)));
            }
            reference = selector.select(local, sameClock);
        }
        assertThat(reference.status()).isEqualTo(Reference.Status.MAJORITY);
        assertThat(reference.vote().survivors()).containsExactlyInAnyOrder("step0", "step1", "step2");
        assertThat(reference.vote().candidates()).as("every configured server still votes").isEqualTo(5);
        Map<String, SourceView> views = new HashMap<>();
        selector.sources(local, sameClock).forEach(v -> views.put(v.address(), v));
        assertThat(views.get("smear3").state()).isEqualTo(SourceState.SMEARING);
        assertThat(views.get("smear3").reason()).contains("-11.6 ppm", "smears a leap second");
        assertThat(views.get("step0").state()).isEqualTo(SourceState.SELECTED);
        // On the wire (GET /sources, references over the event bus) a state is its label, and reads back.
        assertThat(JsonObject.mapFrom(views.get("smear3")).getString("state")).isEqualTo("smearing");
        JsonObject wire = JsonObject.mapFrom(reference);
        assertThat(wire.getJsonObject("vote").getJsonArray("exclusions").getJsonObject(0).getString("state")).isEqualTo("smearing");
        assertThat(wire.mapTo(Reference.class).vote().exclusions()).extracting(Reference.Exclusion::state)
                .containsOnly(SourceState.SMEARING);
    }
}
