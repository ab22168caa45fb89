package io.timemesh.core.settings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One layer of configuration (defaults, a file, the environment, system properties, the command line): a JSON
 * tree, and where each key in it was given, so a refused value can be traced to its layer. Later layers override
 * earlier ones key by key ({@link Settings#bind(Class, List)}).
 */
public final class Layer {

    /**
     * Where one key's value was given.
     *
     * @param where "config file node.json", "environment variable TIMEMESH_POLL_SECONDS", "option --poll"
     * @param given the text as written there when it was text (environment, property, option), else null: a
     *              refused value is shown as the user wrote it ("1e12", not 1000000000000)
     */
    public record Origin(String where, String given) {}

    private final ObjectNode tree;
    private final Map<String, Origin> origins = new HashMap<>();

    private Layer(ObjectNode tree) {
        this.tree = tree;
    }

    /** An empty layer, to fill with {@link #put}. */
    public static Layer empty() {
        return new Layer(JsonNodeFactory.instance.objectNode());
    }

    /** A JSON object as one layer, every key in it given at {@code where}. */
    public static Layer of(String where, ObjectNode json) {
        Layer layer = new Layer(json.deepCopy());
        layer.mark("", json, new Origin(where, null));
        return layer;
    }

    /**
     * JSON text as one layer, every key in it given at {@code where}.
     *
     * @throws IllegalArgumentException when the text is not a JSON object
     */
    public static Layer json(String where, String json) {
        try {
            if (Settings.MAPPER.readTree(json) instanceof ObjectNode object) {
                return of(where, object);
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("settings are not JSON: " + e.getOriginalMessage(), e);
        }
        throw new IllegalArgumentException("settings are not a JSON object: " + json);
    }

    /**
     * A JSON file as one layer ("config file PATH").
     *
     * @throws IllegalArgumentException saying what is wrong in the user's terms: no such file, not readable, not
     *         JSON (with the line and column) or not a JSON object
     */
    public static Layer file(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("config file " + file + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("config file " + file + " cannot be read: " + e, e);
        }
        JsonNode value;
        try {
            value = Settings.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getLocation() == null ? "config file " + file + " is not valid JSON"
                    : String.format("config file %s is not valid JSON: %s at line %d, column %d", file,
                            e.getOriginalMessage(), e.getLocation().getLineNr(), e.getLocation().getColumnNr()), e);
        }
        if (!(value instanceof ObjectNode object)) {
            throw new IllegalArgumentException("config file " + file + " is not a JSON object ({\"key\": value, ...})");
        }
        return of("config file " + file, object);
    }

    /**
     * Sets the key at {@code path} from text: JSON when it parses as JSON (a number, true, an array, ...), else the
     * text as a string.
     *
     * @throws SettingException when a key on the way is already a value, not a section
     */
    public Layer put(List<String> path, String text, String where) {
        JsonNode value;
        try {
            value = Settings.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            value = null;
        }
        return put(path, value == null || value.isMissingNode() ? JsonNodeFactory.instance.textNode(text) : value,
                new Origin(where, text));
    }

    /** Sets the key at {@code path} to {@code value}, given at {@code origin}. */
    public Layer put(List<String> path, JsonNode value, Origin origin) {
        ObjectNode target = tree;
        for (int i = 0; i < path.size() - 1; i++) {
            JsonNode next = target.get(path.get(i));
            if (next == null || next.isNull()) {
                next = target.putObject(path.get(i));
            } else if (!(next instanceof ObjectNode)) {
                throw SettingException.of(String.join(".", path.subList(0, i + 1)), "is not a section")
                        .from(origin.where());
            }
            target = (ObjectNode) next;
        }
        target.set(path.get(path.size() - 1), value);
        origins.put(String.join(".", path), origin);
        return this;
    }

    ObjectNode tree() {
        return tree;
    }

    Map<String, Origin> origins() {
        return origins;
    }

    private void mark(String prefix, ObjectNode json, Origin origin) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = json.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix + field.getKey();
            origins.put(key, origin);
            if (field.getValue() instanceof ObjectNode section) {
                mark(key + ".", section, origin);
            }
        }
    }
}
