package io.timemesh.deploy;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * Layers the node configuration: the JSON file, then environment variables, then system properties
 * (the command line goes last, in {@link RunCommand}). A key path such as discipline.maxDriftPpm is
 * {@code TIMEMESH_DISCIPLINE__MAX_DRIFT_PPM} in the environment and {@code timemesh.discipline.maxDriftPpm}
 * as a system property. Values are read as JSON when they parse (numbers, booleans, arrays), else as
 * strings; a comma-separated {@code sources} is a list. Unknown keys are refused by {@link NodeConfig}.
 */
public final class ConfigLayers {
    private ConfigLayers() {}

    static final String ENV_PREFIX = "TIMEMESH_";
    static final String PROPERTY_PREFIX = "timemesh.";

    /**
     * Where a setting came from, for error messages: "environment variable TIMEMESH_X" and the text as given
     * there (a refused value is shown as the user wrote it, not as it was parsed).
     */
    public record Origin(String where, String given) {}

    public static JsonObject layer(JsonObject file, Map<String, String> environment, Properties properties) {
        JsonObject merged = file.copy();
        settings(environment, properties, (path, setting) -> put(merged, path, setting.given(), setting.where()));
        return merged;
    }

    /**
     * The environment variables and system properties that set keys, by full key ("discipline.maxDriftPpm"):
     * the later layer wins, as in {@link #layer}.
     */
    public static Map<String, Origin> origins(Map<String, String> environment, Properties properties) {
        Map<String, Origin> origins = new HashMap<>();
        settings(environment, properties, (path, setting) -> origins.put(String.join(".", path), setting));
        return origins;
    }

    /** Every TIMEMESH_* variable, then every timemesh.* property, as a key path and its origin, in layer order. */
    private static void settings(Map<String, String> environment, Properties properties,
                                 BiConsumer<String[], Origin> each) {
        new TreeMap<>(environment).forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)) {
                String[] path = name.substring(ENV_PREFIX.length()).split("__");
                for (int i = 0; i < path.length; i++) {
                    path[i] = camel(path[i]);
                }
                each.accept(path, new Origin("environment variable " + name, value));
            }
        });
        for (String name : new TreeSet<>(properties.stringPropertyNames())) {
            if (name.startsWith(PROPERTY_PREFIX)) {
                each.accept(name.substring(PROPERTY_PREFIX.length()).split("\\."),
                        new Origin("system property " + name, properties.getProperty(name)));
            }
        }
    }

    private static void put(JsonObject root, String[] path, String raw, String origin) {
        JsonObject target = root;
        for (int i = 0; i < path.length - 1; i++) {
            Object next = target.getValue(path[i]);
            if (next == null) {
                next = new JsonObject();
                target.put(path[i], next);
            } else if (!(next instanceof JsonObject)) {
                throw new IllegalArgumentException(origin + ": '" + path[i] + "' is not a section");
            }
            target = (JsonObject) next;
        }
        String key = path[path.length - 1];
        target.put(key, value(key, raw));
    }

    private static Object value(String key, String raw) {
        if (key.equals("sources") && !raw.strip().startsWith("[")) {
            return new JsonArray(Arrays.stream(raw.split(",")).map(String::strip)
                    .filter(s -> !s.isEmpty()).toList());
        }
        try {
            return Json.decodeValue(raw);
        } catch (DecodeException e) {
            return raw; // a plain string
        }
    }

    /** POLL_SECONDS → pollSeconds. */
    static String camel(String upperSnake) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : upperSnake.toLowerCase(Locale.ROOT).toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
