package io.timemesh.selector;

import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.settings.Setting;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * @param staleAfterPolls a source whose newest sample is older than this many of its polls is unreachable
 * @param maxDistanceSeconds candidates need an aged root distance below this (MAXDIST)
 * @param trusted         sources that win ties between equally deep regions
 * @param historySize     how many decisions to keep
 * @param reselectMillis  selection also runs this often, so ageing and staleness show without new samples
 * @param sources         the configured sources: each is a voter, and one that is not a candidate votes against
 * @param maxDrift        bound on the local timescale's frequency error, dimensionless: a source's interval of true
 *                        time grows this fast after its sampler published it (a node passes its discipline's
 *                        maxDriftPpm, as to its samplers)
 * @param leapDays        the days a leap second announced by a majority is believed on (a node passes its
 *                        discipline's leapDays, so that both agree)
 */
public record SelectorSettings(String nodeName, int staleAfterPolls, double maxDistanceSeconds, Set<String> trusted,
                               int historySize, long reselectMillis, List<String> sources, double maxDrift,
                               LeapDays leapDays) {

    /** Settings believing leap seconds on the last day of June or December only. */
    public SelectorSettings(String nodeName, int staleAfterPolls, double maxDistanceSeconds, Set<String> trusted,
                            int historySize, long reselectMillis, List<String> sources, double maxDrift) {
        this(nodeName, staleAfterPolls, maxDistanceSeconds, trusted, historySize, reselectMillis, sources, maxDrift,
                LeapDays.JUNE_DECEMBER);
    }

    public SelectorSettings {
        trusted = Set.copyOf(trusted);
        sources = List.copyOf(sources);
        if (staleAfterPolls < 1) {
            throw new IllegalArgumentException("staleAfterPolls must be at least 1, was " + staleAfterPolls);
        }
        if (!(maxDistanceSeconds > 0)) {
            throw new IllegalArgumentException("maxDistanceSeconds must be positive, was " + maxDistanceSeconds);
        }
        if (historySize < 1 || historySize > 10_000) {
            throw new IllegalArgumentException("historySize must be 1..10000, was " + historySize);
        }
        if (!(maxDrift >= 0)) {
            throw new IllegalArgumentException("maxDriftPpm must be >= 0, was " + maxDrift * 1e6);
        }
        if (leapDays == null) {
            throw new IllegalArgumentException("leapDays must be june_december or any_month_end, was null");
        }
        if (reselectMillis < 10) {
            throw new IllegalArgumentException("reselectMillis must be at least 10, was " + reselectMillis);
        }
    }

    /** Beyond this a clock is broken, not drifting (the discipline's own limit). */
    private static final double MAX_DRIFT_PPM = 100_000;

    public static SelectorSettings defaults(String nodeName) {
        return new SelectorSettings(nodeName, 4, NtpConstants.MAXDIST, Set.of(), 64, 1_000, List.of(), NtpConstants.PHI);
    }

    /**
     * @throws io.timemesh.core.settings.SettingException naming the key, for a value out of its range or a
     *         fraction where a whole number is meant
     */
    public static SelectorSettings fromJson(JsonObject json) {
        SelectorSettings d = defaults(json.getString("nodeName", "local"));
        return new SelectorSettings(d.nodeName(),
                Setting.wholeNumber("staleAfterPolls", json.getValue("staleAfterPolls"), d.staleAfterPolls(), 1, 1_000),
                Setting.positive("maxDistanceSeconds", json.getValue("maxDistanceSeconds"), d.maxDistanceSeconds(),
                        NtpConstants.MAXDISP),
                Set.copyOf(strings(json, "trusted")),
                Setting.wholeNumber("historySize", json.getValue("historySize"), d.historySize(), 1, 10_000),
                Setting.wholeNumber("reselectMillis", json.getValue("reselectMillis"), d.reselectMillis(), 10, 3_600_000L),
                strings(json, "sources"),
                Setting.number("maxDriftPpm", json.getValue("maxDriftPpm"), d.maxDrift() * 1e6, 0, MAX_DRIFT_PPM) * 1e-6,
                Setting.oneOf("leapDays", json.getValue("leapDays"), d.leapDays(), LeapDays.class));
    }

    private static List<String> strings(JsonObject json, String key) {
        JsonArray array = json.getJsonArray(key, new JsonArray());
        List<String> values = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            values.add(array.getString(i));
        }
        return values;
    }
}
