package io.timemesh.deploy;

import io.timemesh.api.ApiSettings;
import io.timemesh.api.ClientRateLimiter;
import io.timemesh.api.HttpLimits;
import io.timemesh.api.nts.NtsServerSettings;
import io.timemesh.core.mesh.ClusterKey;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.settings.Setting;
import io.timemesh.core.settings.SettingException;
import io.timemesh.discipline.DisciplineSettings;
import io.timemesh.sampler.SamplerConfig;
import io.timemesh.selector.SelectorSettings;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * Everything a node runs with, from a JSON file and the command line (the command line wins). Every
 * verticle's settings are checked here, before anything starts, so a bad value is reported by name.
 */
public record NodeConfig(JsonObject json) {

    /** Public NTP pool servers, polled politely (64 s). */
    public static final List<String> DEFAULT_SOURCES =
            List.of("0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org", "3.pool.ntp.org");

    /** Every top-level key and the JSON type it takes. */
    private static final Map<String, Class<?>> KEYS = Map.ofEntries(Map.entry("nodeName", String.class),
            Map.entry("sources", JsonArray.class), Map.entry("pools", JsonArray.class), Map.entry("pollSeconds", Number.class),
            Map.entry("iburst", Boolean.class), Map.entry("httpHost", String.class), Map.entry("httpPort", Number.class),
            Map.entry("clusterName", String.class), Map.entry("sampler", JsonObject.class),
            Map.entry("selector", JsonObject.class), Map.entry("discipline", JsonObject.class),
            Map.entry("cluster", JsonObject.class), Map.entry("roles", JsonArray.class),
            Map.entry("ntpPort", Number.class), Map.entry("ntpHost", String.class),
            Map.entry("ntpRateLimit", JsonObject.class), Map.entry("httpMetrics", Boolean.class),
            Map.entry("http", JsonObject.class), Map.entry(NtsServerSettings.SECTION, JsonObject.class));
    /** The keys each section takes and their types: anything else is a typo or a wrong type, refused by name. */
    private static final Map<String, Map<String, Class<?>>> SECTION_KEYS = Map.of(
            "sampler", Map.of("timeoutMillis", Number.class, "bindHost", String.class),
            "selector", Map.of("staleAfterPolls", Number.class, "maxDistanceSeconds", Number.class,
                    "trusted", JsonArray.class, "historySize", Number.class, "reselectMillis", Number.class),
            "discipline", Map.ofEntries(Map.entry("stepThresholdSeconds", Number.class),
                    Map.entry("maxSlewRatePpm", Number.class), Map.entry("slewTimeConstantSeconds", Number.class),
                    Map.entry("maxDriftPpm", Number.class), Map.entry("maxFrequencyPpm", Number.class),
                    Map.entry("frequencyWindow", Number.class), Map.entry("minFrequencyBaselineSeconds", Number.class),
                    Map.entry("holdoverAfterSeconds", Number.class), Map.entry("maxErrorBoundSeconds", Number.class),
                    Map.entry("convergenceUpdates", Number.class), Map.entry("convergenceStepSeconds", Number.class),
                    Map.entry("panicThresholdSeconds", Number.class), Map.entry("leapMode", String.class),
                    Map.entry("leapDays", String.class)),
            "ntpRateLimit", Map.of("enabled", Boolean.class, "interval", Number.class, "burst", Number.class,
                    "leak", Number.class, "kod", Boolean.class),
            "cluster", Map.of("members", JsonArray.class, "host", String.class, "port", Number.class,
                    "busHost", String.class, "busPort", Number.class, "hazelcastConfig", String.class,
                    "keyFile", String.class, "insecure", Boolean.class),
            "http", HttpLimits.KEYS, NtsServerSettings.SECTION, NtsServerSettings.KEYS);
    /** What a node can run; every node also answers timebase probes. */
    public static final List<String> ROLES = List.of("sampler", "selector", "discipline", "api");

    public NodeConfig {
        json = json.copy();
        checkKeys("", json, KEYS);
        for (Map.Entry<String, Map<String, Class<?>>> section : SECTION_KEYS.entrySet()) {
            if (json.getValue(section.getKey()) instanceof JsonObject values) {
                checkKeys(section.getKey() + ".", values, section.getValue());
            }
        }
        List<String> roles = strings(json, "roles", ROLES);
        for (String role : roles) {
            if (!ROLES.contains(role)) {
                throw new IllegalArgumentException("unknown role '" + role + "' in 'roles'; known: " + ROLES);
            }
        }
        if (roles.contains("api") && !roles.contains("discipline")) {
            throw new IllegalArgumentException("role 'api' needs role 'discipline' on the same node: it serves that clock");
        }
        if (!json.containsKey("sources")) {
            json.put("sources", json.containsKey("pools") ? new JsonArray() : new JsonArray(DEFAULT_SOURCES));
        }
        if (json.getJsonArray("sources").isEmpty() && json.getJsonArray("pools", new JsonArray()).isEmpty()
                && (roles.contains("sampler") || roles.contains("selector"))) {
            throw new IllegalArgumentException("config key 'sources' is empty: a node that samples or selects needs"
                    + " servers to ask (at least 3, and an odd number, so that a majority survives one failure)");
        }
        if (!json.containsKey("nodeName")) {
            json.put("nodeName", "node-" + ProcessHandle.current().pid());
        }
        if (!json.containsKey("clusterName")) {
            // A single node's embedded cluster must never merge with another run on the same machine.
            json.put("clusterName", json.containsKey("cluster") ? "timemesh"
                    : "timemesh-" + json.getString("nodeName") + "-" + Long.toHexString(System.nanoTime()));
        }
        // Fields are assigned after this body, so validate through the static builders.
        JsonObject complete = json;
        checked("discipline", () -> disciplineConfig(complete)); // first: the sampler takes its maxDrift
        checked("sampler", () -> samplerConfig(complete));
        checked("selector", () -> selectorConfig(complete));
        checked("api", () -> apiConfig(complete));
        Setting.wholeNumber("ntpPort", json.getValue("ntpPort"), 123, 0, 65_535);
        // Checked with the rest, before anything starts, though only the NTP server uses it.
        JsonObject rate = json.getJsonObject("ntpRateLimit");
        if (rate != null && rate.getBoolean("enabled", true)) {
            checked("ntpRateLimit", () -> ClientRateLimiter.fromJson(rate, RandomGenerator.getDefault()));
        }
        NtsServerSettings.fromJson(json.getJsonObject(NtsServerSettings.SECTION));
        if (json.containsKey(NtsServerSettings.SECTION) && !json.containsKey("ntpPort")) {
            throw new IllegalArgumentException("'" + NtsServerSettings.SECTION + "' needs the NTP server: set 'ntpPort'");
        }
        checkClusterKey(json);
    }

    /** How this node serves NTS, or null when it does not. */
    public NtsServerSettings ntsServer() {
        return NtsServerSettings.fromJson(json.getJsonObject(NtsServerSettings.SECTION));
    }

    /**
     * Runs a section's own checks; a refused value is named by its full key ("discipline.maxDriftPpm"),
     * keys under a top-level one the section reads (pollSeconds, httpPort, http.maxConnections) by themselves.
     */
    private static void checked(String section, Supplier<?> check) {
        try {
            check.get();
        } catch (SettingException e) {
            throw KEYS.containsKey(e.key().split("[.\\[]", 2)[0]) ? e : e.within(section);
        }
    }

    /**
     * A cluster's members authenticate each other's messages with a shared key: a cluster without one
     * is refused unless it is declared insecure, and the key file must be there and long enough.
     */
    private static void checkClusterKey(JsonObject json) {
        if (!json.containsKey("cluster")) {
            return;
        }
        JsonObject cluster = json.getJsonObject("cluster");
        boolean insecure = cluster.getBoolean("insecure", false);
        String keyFile = cluster.getString("keyFile");
        if (keyFile != null && insecure) {
            throw new IllegalArgumentException("config keys 'cluster.keyFile' and 'cluster.insecure' exclude each other");
        }
        if (keyFile == null && !insecure) {
            throw new IllegalArgumentException("a cluster needs a key that every member shares, or anyone who can reach "
                    + "its port can move its time: make one with 'timemesh cluster-key FILE', copy it to every member "
                    + "and give it with --cluster-key FILE (config 'cluster.keyFile', env TIMEMESH_CLUSTER__KEY_FILE); "
                    + "or say --insecure-cluster to run without");
        }
        if (keyFile != null) {
            ClusterKey.read(Path.of(keyFile));
        }
    }

    /** Every key known, and of the type it takes; the message names the key and what is allowed. */
    private static void checkKeys(String prefix, JsonObject json, Map<String, Class<?>> known) {
        for (String key : json.fieldNames()) {
            Class<?> type = known.get(key);
            if (type == null) {
                throw new IllegalArgumentException("unknown config key '" + prefix + key + "'; known: "
                        + new TreeSet<>(known.keySet()));
            }
            Object value = json.getValue(key);
            if (!type.isInstance(value)) {
                throw new IllegalArgumentException("config key '" + prefix + key + "' must be " + typeName(type)
                        + ", was " + (value instanceof String ? "\"" + value + "\"" : value));
            }
        }
    }

    private static String typeName(Class<?> type) {
        return type == Number.class ? "a number" : type == String.class ? "a string"
                : type == Boolean.class ? "true or false" : type == JsonArray.class ? "a JSON array" : "a JSON object";
    }

    /**
     * The file's JSON as written, before defaults.
     *
     * @throws IllegalArgumentException saying what is wrong in the user's terms: no such file, not readable, or
     *         not JSON (with the line and column) or not a JSON object
     */
    public static JsonObject readJson(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("config file " + file + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("config file " + file + " cannot be read: " + e, e);
        }
        Object value;
        try {
            value = Json.decodeValue(text);
        } catch (DecodeException e) {
            if (e.getCause() instanceof JsonProcessingException json && json.getLocation() != null) {
                throw new IllegalArgumentException(String.format("config file %s is not valid JSON: %s at line %d, column %d",
                        file, json.getOriginalMessage(), json.getLocation().getLineNr(),
                        json.getLocation().getColumnNr()), e);
            }
            throw new IllegalArgumentException("config file " + file + " is not valid JSON", e);
        }
        if (!(value instanceof JsonObject object)) {
            throw new IllegalArgumentException("config file " + file + " is not a JSON object ({\"key\": value, ...})");
        }
        return object;
    }

    public NodeConfig with(String key, Object value) {
        JsonObject copy = json.copy();
        copy.put(key, value);
        return new NodeConfig(copy);
    }

    public String nodeName() {
        return json.getString("nodeName");
    }

    public String clusterName() {
        return json.getString("clusterName");
    }

    /**
     * Whether every HTTP request is timed into the Vert.x HTTP server metrics (default true). They
     * cost /time some 5–10 % of its throughput; /metrics keeps the timemesh and JVM series without.
     */
    public boolean httpMetrics() {
        return json.getBoolean("httpMetrics", true);
    }

    /** Whether this node joins a cluster of several (the "cluster" object is present). */
    public boolean clustered() {
        return json.containsKey("cluster");
    }

    /** The cluster key's file, or null for a single node or an explicitly insecure cluster. */
    public Path clusterKeyFile() {
        String file = cluster().getString("keyFile");
        return file == null ? null : Path.of(file);
    }

    /** The "cluster" object: members, host, port, busHost, busPort, hazelcastConfig, keyFile, insecure. */
    public JsonObject cluster() {
        return json.getJsonObject("cluster", new JsonObject()).copy();
    }

    public List<String> roles() {
        return strings(json, "roles", ROLES);
    }

    private static List<String> strings(JsonObject json, String key, List<String> fallback) {
        if (!json.containsKey(key)) {
            return fallback;
        }
        if (!(json.getValue(key) instanceof JsonArray array)) {
            throw new IllegalArgumentException("config key '" + key + "' must be an array of strings");
        }
        return array.stream().map(String::valueOf).toList();
    }

    /**
     * Warnings about the sources as configured: a server named more than once (exactly, or as host and
     * host:123) is asked once and has one vote, which the operator may not have meant.
     *
     * @return one line per server or pool named more than once, empty when none is
     */
    public List<String> duplicateSources() {
        Map<String, List<String>> spellings = new LinkedHashMap<>();
        for (Object source : json.getJsonArray("sources")) {
            String spelling = source instanceof JsonObject entry ? String.valueOf(entry.getValue("address")) : (String) source;
            spellings.computeIfAbsent(ServerAddress.parse(spelling).toString(), s -> new ArrayList<>()).add(spelling);
        }
        List<String> warnings = spellings.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> "source " + e.getKey() + " is configured " + e.getValue().size() + " times (as "
                        + String.join(", ", e.getValue()) + "): it is one server and has one vote")
                .collect(Collectors.toCollection(ArrayList::new));
        Map<String, Long> pools = SamplerConfig.fromJson(samplerConfig(json)).pools().stream()
                .collect(Collectors.groupingBy(pool -> pool.server().toString(), LinkedHashMap::new, Collectors.counting()));
        pools.forEach((pool, times) -> {
            if (times > 1) {
                warnings.add("pool " + pool + " is configured " + times + " times: its members are asked once and vote once");
            }
        });
        return warnings;
    }

    public JsonObject samplerConfig() {
        return samplerConfig(json);
    }

    public JsonObject selectorConfig() {
        return selectorConfig(json);
    }

    public JsonObject disciplineConfig() {
        return disciplineConfig(json);
    }

    public JsonObject apiConfig() {
        return apiConfig(json);
    }

    /** The NTP server's settings, or null when no "ntpPort" is configured (no NTP server). */
    public JsonObject ntpConfig() {
        if (!json.containsKey("ntpPort")) {
            return null;
        }
        JsonObject config = new JsonObject();
        copy(json, "ntpPort", config);
        copy(json, "ntpHost", config);
        copy(json, "ntpRateLimit", config);
        return config;
    }

    private static JsonObject section(JsonObject json, String name) {
        return json.getJsonObject(name, new JsonObject()).copy();
    }

    private static JsonObject samplerConfig(JsonObject json) {
        JsonObject config = section(json, "sampler").put("sources", json.getValue("sources"))
                .put("nodeName", json.getString("nodeName"));
        copy(json, "pools", config);
        copy(json, "pollSeconds", config);
        copy(json, "iburst", config);
        // The sources' intervals age at the same drift bound as the clock they discipline.
        config.put(SamplerConfig.MAX_DRIFT_PPM, DisciplineSettings.fromJson(section(json, "discipline")).maxDrift() * 1e6);
        SamplerConfig.fromJson(config);
        return config;
    }

    private static JsonObject selectorConfig(JsonObject json) {
        JsonObject config = section(json, "selector").put("nodeName", json.getString("nodeName"));
        // The selector's sources are named as the sampler names them (host:port, a pool's host:port#i):
        // every pool member is a voter from the start, so a pool cannot shrink the majority before it answers.
        SamplerConfig sampler = SamplerConfig.fromJson(samplerConfig(json));
        config.put("sources", new JsonArray(sampler.sourceNames()));
        config.put("maxDriftPpm", sampler.maxDrift() * 1e6); // the sources' intervals keep ageing as in the sampler
        // The selector believes a leap on the days the discipline does.
        config.put("leapDays", DisciplineSettings.fromJson(section(json, "discipline")).leapDays().name()
                .toLowerCase(java.util.Locale.ROOT));
        SelectorSettings.fromJson(config);
        return config;
    }

    private static JsonObject disciplineConfig(JsonObject json) {
        JsonObject config = section(json, "discipline");
        DisciplineSettings.fromJson(config);
        return config;
    }

    private static JsonObject apiConfig(JsonObject json) {
        JsonObject config = new JsonObject();
        copy(json, "httpHost", config);
        copy(json, "httpPort", config);
        copy(json, "http", config);
        ApiSettings.fromJson(config);
        return config;
    }

    private static void copy(JsonObject json, String key, JsonObject into) {
        if (json.containsKey(key)) {
            into.put(key, json.getValue(key));
        }
    }
}
