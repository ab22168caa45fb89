package io.timemesh.selector;

import io.timemesh.core.ntp.NtpConstants;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;

/**
 * @param staleAfterPolls a source whose newest sample is older than this many of its polls is unreachable
 * @param maxDistanceSeconds candidates need an aged root distance below this (MAXDIST)
 * @param trusted         sources that win ties between equally deep regions
 * @param historySize     how many decisions to keep
 * @param reselectMillis  selection also runs this often, so ageing and staleness show without new samples
 */
public record SelectorSettings(String nodeName, int staleAfterPolls, double maxDistanceSeconds, Set<String> trusted,
                               int historySize, long reselectMillis) {

    public SelectorSettings {
        trusted = Set.copyOf(trusted);
        if (staleAfterPolls < 1) {
            throw new IllegalArgumentException("staleAfterPolls must be at least 1, was " + staleAfterPolls);
        }
        if (!(maxDistanceSeconds > 0)) {
            throw new IllegalArgumentException("maxDistanceSeconds must be positive, was " + maxDistanceSeconds);
        }
        if (historySize < 1 || historySize > 10_000) {
            throw new IllegalArgumentException("historySize must be 1..10000, was " + historySize);
        }
        if (reselectMillis < 10) {
            throw new IllegalArgumentException("reselectMillis must be at least 10, was " + reselectMillis);
        }
    }

    public static SelectorSettings defaults(String nodeName) {
        return new SelectorSettings(nodeName, 4, NtpConstants.MAXDIST, Set.of(), 64, 1_000);
    }

    public static SelectorSettings fromJson(JsonObject json) {
        SelectorSettings d = defaults(json.getString("nodeName", "local"));
        Set<String> trusted = new HashSet<>();
        JsonArray array = json.getJsonArray("trusted", new JsonArray());
        for (int i = 0; i < array.size(); i++) {
            trusted.add(array.getString(i));
        }
        return new SelectorSettings(d.nodeName(), json.getInteger("staleAfterPolls", d.staleAfterPolls()),
                json.getDouble("maxDistanceSeconds", d.maxDistanceSeconds()), trusted,
                json.getInteger("historySize", d.historySize()), json.getLong("reselectMillis", d.reselectMillis()));
    }
}
