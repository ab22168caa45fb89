package io.timemesh.sampler;

import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.settings.Setting;
import io.timemesh.sampler.nts.NtsSourceSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampler's settings, read from the verticle's JSON config and checked up front: a bad value is
 * an error naming its key, never a surprise at the first poll.
 *
 * @param bindHost where the client socket listens (replies come back to it)
 * @param pools    pools, each standing for up to its maxSources sources besides {@code sources}
 * @param nts      the sources authenticated with NTS, by source name ("host:port"), and how
 * @param maxDrift bound on the local timescale's frequency error, dimensionless (1.5e-5 = 15 ppm): how fast
 *                 each source's exact interval grows with age; a node passes its discipline's maxDriftPpm
 */
public record SamplerConfig(List<ServerAddress> sources, List<PoolSource> pools, int pollSeconds, boolean iburst,
                            Duration timeout, String nodeName, String bindHost, Map<String, NtsSourceSettings> nts,
                            double maxDrift) {

    public static final String SOURCES = "sources";
    public static final String POOLS = "pools";
    public static final String POLL_SECONDS = "pollSeconds";
    public static final String IBURST = "iburst";
    public static final String TIMEOUT_MILLIS = "timeoutMillis";
    public static final String NODE_NAME = "nodeName";
    public static final String BIND_HOST = "bindHost";
    public static final String MAX_DRIFT_PPM = "maxDriftPpm";

    public static final long DEFAULT_TIMEOUT_MILLIS = 2_000;
    /** Beyond this a clock is broken, not drifting (the discipline's own limit). */
    private static final double MAX_DRIFT_LIMIT_PPM = 100_000;

    public SamplerConfig {
        sources = List.copyOf(sources);
        pools = List.copyOf(pools);
        nts = Map.copyOf(nts);
        if (pollSeconds < NtpConstants.MIN_POLL_SECONDS || pollSeconds > NtpConstants.MAX_POLL_SECONDS) {
            throw new IllegalArgumentException(POLL_SECONDS + " must be " + NtpConstants.MIN_POLL_SECONDS + ".."
                    + NtpConstants.MAX_POLL_SECONDS + ", was " + pollSeconds);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(TIMEOUT_MILLIS + " must be positive, was " + timeout.toMillis());
        }
    }

    /**
     * Reads the settings. A source is {@code "host[:port]"} or, to give it NTS, an entry
     * {@code {"address": "host[:port]", "nts": true, "ntsKePort": 4460, "trustedCertificates": "FILE.pem"}}.
     *
     * @throws IllegalArgumentException for a source or pool that is not "host[:port]", or a bad source entry; a
     *         {@link io.timemesh.core.settings.SettingException} naming the key for a number out of its range
     */
    public static SamplerConfig fromJson(JsonObject json) {
        JsonArray array = json.getJsonArray(SOURCES, new JsonArray());
        List<ServerAddress> sources = new ArrayList<>();
        Map<String, NtsSourceSettings> nts = new LinkedHashMap<>();
        for (int i = 0; i < array.size(); i++) {
            Object value = array.getValue(i);
            String key = SOURCES + "[" + i + "]";
            NtsSourceSettings settings = null;
            if (value instanceof JsonObject entry && entry.getValue(NtsSourceSettings.ADDRESS) instanceof String address) {
                settings = NtsSourceSettings.fromJson(key, entry);
                value = address;
            }
            if (!(value instanceof String text)) {
                throw new IllegalArgumentException(key + " must be a \"host[:port]\" string or {\"address\": \"host[:port]\", "
                        + "\"nts\": true}, was " + value);
            }
            try {
                sources.add(ServerAddress.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
            }
            if (settings != null) {
                nts.put(sources.get(sources.size() - 1).toString(), settings);
            }
        }
        return new SamplerConfig(sources, pools(json.getJsonArray(POOLS, new JsonArray())),
                Setting.wholeNumber(POLL_SECONDS, json.getValue(POLL_SECONDS), NtpConstants.DEFAULT_POLL_SECONDS,
                        NtpConstants.MIN_POLL_SECONDS, NtpConstants.MAX_POLL_SECONDS),
                json.getBoolean(IBURST, true),
                Duration.ofMillis(Setting.wholeNumber(TIMEOUT_MILLIS, json.getValue(TIMEOUT_MILLIS), DEFAULT_TIMEOUT_MILLIS,
                        1, 60_000)),
                json.getString(NODE_NAME, "local"),
                json.getString(BIND_HOST, "0.0.0.0"),
                nts, Setting.number(MAX_DRIFT_PPM, json.getValue(MAX_DRIFT_PPM), NtpConstants.PHI * 1e6, 0,
                        MAX_DRIFT_LIMIT_PPM) * 1e-6);
    }

    /** Reads {@code [{"name": "host[:port]", "maxSources": n}]}; errors name the entry ("pools[1].maxSources"). */
    private static List<PoolSource> pools(JsonArray array) {
        List<PoolSource> pools = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String key = POOLS + "[" + i + "]";
            if (!(array.getValue(i) instanceof JsonObject pool) || !(pool.getValue("name") instanceof String name)) {
                throw new IllegalArgumentException("'" + key + "' must be {\"name\": \"host[:port]\", \"maxSources\": n}, was "
                        + array.getValue(i));
            }
            for (String field : pool.fieldNames()) {
                if (!field.equals("name") && !field.equals("maxSources")) {
                    throw new IllegalArgumentException("unknown config key '" + key + "." + field
                            + "'; a pool takes 'name' and 'maxSources'");
                }
            }
            ServerAddress server;
            try {
                server = ServerAddress.parse(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + key + ".name': " + e.getMessage(), e);
            }
            pools.add(new PoolSource(server, Setting.wholeNumber(key + ".maxSources", pool.getValue("maxSources"),
                    PoolSource.DEFAULT_MAX_SOURCES, 1, PoolSource.MAX_SOURCES)));
        }
        return pools;
    }

    /** Every source's name as samplers and selectors know it: the plain sources, then each pool's members. */
    public List<String> sourceNames() {
        List<String> names = new ArrayList<>();
        sources.forEach(source -> names.add(source.toString()));
        pools.forEach(pool -> names.addAll(pool.members()));
        return names;
    }
}
