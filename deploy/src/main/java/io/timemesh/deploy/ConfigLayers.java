package io.timemesh.deploy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.timemesh.core.settings.Layer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The node configuration's layers besides the file: environment variables and system properties (the command
 * line goes last, in {@link RunCommand}). A key path such as discipline.maxDriftPpm is
 * {@code TIMEMESH_DISCIPLINE__MAX_DRIFT_PPM} in the environment and {@code timemesh.discipline.maxDriftPpm} as a
 * system property. Values are read as JSON when they parse (numbers, booleans, arrays), else as strings; a
 * comma-separated {@code sources} is a list. Unknown keys are refused when the layers are bound, naming the variable
 * or property.
 *
 * <p>Why not vertx-config or SmallRye Config: both merge their stores into one tree and so lose which layer set
 * each key, which every refusal must name; vertx-config reads asynchronously on a Vert.x the node does not have yet,
 * and SmallRye spells environment variables {@code TIMEMESH_DISCIPLINE_MAXDRIFTPPM}, not the documented
 * {@code TIMEMESH_DISCIPLINE__MAX_DRIFT_PPM}. Reading the environment and the properties is all that is left here;
 * the merge and the binding are {@link io.timemesh.core.settings.Settings}, on Jackson.
 */
public final class ConfigLayers {
    private ConfigLayers() {}

    static final String ENV_PREFIX = "TIMEMESH_";
    static final String PROPERTY_PREFIX = "timemesh.";

    /** Every TIMEMESH_* variable as a key ("environment variable TIMEMESH_POLL_SECONDS"); others are not ours. */
    public static Layer environment(Map<String, String> environment) {
        Layer layer = Layer.empty();
        new TreeMap<>(environment).forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)) {
                List<String> path = Arrays.stream(name.substring(ENV_PREFIX.length()).split("__"))
                        .map(ConfigLayers::camel).toList();
                put(layer, path, value, "environment variable " + name);
            }
        });
        return layer;
    }

    /** Every timemesh.* property as a key ("system property timemesh.pollSeconds"); others are not ours. */
    public static Layer properties(Properties properties) {
        Layer layer = Layer.empty();
        for (String name : new TreeSet<>(properties.stringPropertyNames())) {
            if (name.startsWith(PROPERTY_PREFIX)) {
                put(layer, List.of(name.substring(PROPERTY_PREFIX.length()).split("\\.")), properties.getProperty(name),
                        "system property " + name);
            }
        }
        return layer;
    }

    private static void put(Layer layer, List<String> path, String text, String where) {
        if (path.get(path.size() - 1).equals("sources") && !text.strip().startsWith("[")) {
            ArrayNode sources = JsonNodeFactory.instance.arrayNode();
            Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(sources::add);
            layer.put(path, sources, new Layer.Origin(where, text));
        } else {
            layer.put(path, text, where);
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
