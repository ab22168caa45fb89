package io.timemesh.deploy;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

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

    public static JsonObject layer(JsonObject file, Map<String, String> environment, Properties properties) {
        JsonObject merged = file.copy();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)) {
                String[] path = name.substring(ENV_PREFIX.length()).split("__");
                for (int i = 0; i < path.length; i++) {
                    path[i] = camel(path[i]);
                }
                put(merged, path, value, "environment variable " + name);
            }
        });
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(PROPERTY_PREFIX)) {
                put(merged, name.substring(PROPERTY_PREFIX.length()).split("\\."), properties.getProperty(name),
                        "system property " + name);
            }
        }
        return merged;
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
