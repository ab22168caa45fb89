package io.timemesh.core.settings;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Binds typed settings records from layered JSON, the one place where configuration is read and checked.
 *
 * <p>A settings record declares each key once, as a component: its JSON name, its type, its range
 * ({@link Whole}, {@link Real}), whether it is required ({@code @JsonProperty(required = true)}), and its default
 * (the record's {@code public static final DEFAULTS} instance; a null default means absent). Binding merges the
 * layers (a later layer overrides an earlier one key by key; arrays are replaced whole), fills each section's
 * defaults, checks every value against its declaration, then lets Jackson build the records with unknown keys
 * refused and no coercion (no "16" for 16, no 18252.9 for a whole number). Enums are their constants' names in
 * lower case ("step", "june_december").
 *
 * <p>Every refusal is a {@link SettingException} naming the full key ("discipline.maxDriftPpm", "pools[0].name"),
 * the value as given, what is allowed, and the layer the value came from.
 */
public final class Settings {
    private Settings() {}

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .addModule(new SimpleModule("timemesh-settings")
                    .addSerializer(Path.class, ToStringSerializer.instance) // as written, not a file: URI
                    .addSerializer(new LowerCaseEnums()))
            .build();

    /**
     * Binds {@code type} from {@code layers}, earliest first, over the record's defaults.
     *
     * @throws SettingException naming the key, the value as given, what is allowed and the layer it came from: for
     *         an unknown key, a value of the wrong type or out of its range, a missing required key, or a value a
     *         record refuses (such as an address that is not host[:port])
     */
    public static <T extends Record> T bind(Class<T> type, List<Layer> layers) {
        ObjectNode merged = MAPPER.createObjectNode();
        Map<String, Layer.Origin> origins = new HashMap<>();
        for (Layer layer : layers) {
            merge(merged, layer.tree(), "", layer.origins(), origins);
            origins.putAll(layer.origins());
        }
        try {
            check(merged, type, "");
            return MAPPER.treeToValue(merged, type);
        } catch (SettingException e) {
            throw located(e, origins);
        } catch (JsonProcessingException e) {
            throw located(translate(e), origins);
        }
    }

    /**
     * Binds settings a node already checked and handed on as JSON ({@link #json}), as a verticle reads its
     * deployment config.
     *
     * @throws SettingException as {@link #bind(Class, List)}, without a layer
     */
    public static <T extends Record> T bind(Class<T> type, String json) {
        return bind(type, List.of(Layer.json(null, json)));
    }

    /** The JSON form of {@code settings}, as {@link #bind(Class, String)} reads it back. */
    public static String json(Record settings) {
        try {
            return MAPPER.writeValueAsString(settings);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("settings cannot be written as JSON", e);
        }
    }

    /**
     * Merges one layer into the layers below it. A section that replaces a value takes the origin of the layer that
     * made it a section, so that a refusal of it names that layer.
     */
    private static void merge(ObjectNode into, ObjectNode layer, String prefix, Map<String, Layer.Origin> given,
                              Map<String, Layer.Origin> origins) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = layer.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix + field.getKey();
            JsonNode below = into.get(field.getKey());
            if (field.getValue() instanceof ObjectNode section && below instanceof ObjectNode belowSection) {
                merge(belowSection, section, key + ".", given, origins);
            } else {
                if (below != null && !below.isNull()) {
                    given.entrySet().stream().filter(origin -> origin.getKey().startsWith(key + ".")).findFirst()
                            .ifPresent(origin -> origins.put(key, new Layer.Origin(origin.getValue().where(), null)));
                }
                into.set(field.getKey(), field.getValue().deepCopy());
            }
        }
    }

    /** Fills the defaults of the section at {@code path} and checks every value in it against its declaration. */
    private static void check(ObjectNode node, Class<?> type, String path) {
        JsonNode defaults = defaults(type);
        for (RecordComponent component : type.getRecordComponents()) {
            String name = component.getName();
            String key = path.isEmpty() ? name : path + "." + name;
            if (!node.has(name) && defaults != null && defaults.hasNonNull(name)) {
                node.set(name, defaults.get(name).deepCopy());
            }
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
                if (property != null && property.required() || value != null && component.getType().isPrimitive()) {
                    throw SettingException.refused(key, value == null ? "nothing" : "null",
                            allowed(component, component.getGenericType()));
                }
                continue;
            }
            checkValue(value, component, component.getGenericType(), key);
        }
    }

    private static void checkValue(JsonNode value, RecordComponent component, Type type, String key) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        boolean ok;
        if (raw == boolean.class || raw == Boolean.class) {
            ok = value.isBoolean();
        } else if (raw == String.class || raw == Path.class) {
            ok = value.isTextual();
        } else if (raw == int.class || raw == long.class || raw == Integer.class || raw == Long.class) {
            Whole range = component.getAnnotation(Whole.class);
            double d = value.asDouble();
            ok = value.isNumber() && d == Math.rint(d) && (range == null ? Math.abs(d) <= Integer.MAX_VALUE
                    : d >= range.min() && d <= range.max());
        } else if (raw == double.class || raw == Double.class) {
            Real range = component.getAnnotation(Real.class);
            double d = value.asDouble();
            ok = value.isNumber() && Double.isFinite(d) && (range == null
                    || (range.positive() ? d > 0 : d >= range.min()) && d <= range.max());
        } else if (raw.isEnum()) {
            ok = value.isTextual() && Arrays.stream(raw.getEnumConstants())
                    .anyMatch(constant -> lowerCase((Enum<?>) constant).equals(value.textValue()));
        } else if (Collection.class.isAssignableFrom(raw)) {
            ok = value.isArray();
            if (ok) {
                Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
                for (int i = 0; i < value.size(); i++) {
                    checkValue(value.get(i), component, element, key + "[" + i + "]");
                }
            }
        } else if (raw.isRecord()) {
            ok = value instanceof ObjectNode || value.isTextual() && takesText(raw);
            if (value instanceof ObjectNode section) {
                check(section, raw, key);
            }
        } else {
            ok = true; // a type of its own (ServerAddress, ...): Jackson binds it and the record checks it
        }
        if (!ok) {
            throw SettingException.refused(key, show(value), allowed(component, type));
        }
    }

    /** What a key takes, in the user's terms. */
    private static String allowed(RecordComponent component, Type type) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw == boolean.class || raw == Boolean.class) {
            return "true or false";
        } else if (raw == String.class) {
            return "a string";
        } else if (raw == Path.class) {
            return "a file name";
        } else if (raw == int.class || raw == long.class || raw == Integer.class || raw == Long.class) {
            Whole range = component.getAnnotation(Whole.class);
            return range == null ? "a whole number" : "a whole number from " + range.min() + " to " + range.max();
        } else if (raw == double.class || raw == Double.class) {
            Real range = component.getAnnotation(Real.class);
            return range == null ? "a number" : range.positive()
                    ? "a number greater than 0, at most " + SettingException.show(range.max())
                    : "a number from " + SettingException.show(range.min()) + " to " + SettingException.show(range.max());
        } else if (raw.isEnum()) {
            return "one of " + Arrays.stream(raw.getEnumConstants())
                    .map(constant -> "\"" + lowerCase((Enum<?>) constant) + "\"").collect(Collectors.joining(", "));
        } else if (Collection.class.isAssignableFrom(raw)) {
            return "a JSON array";
        } else if (raw.isRecord() && takesText(raw)) {
            return "a string or a JSON object";
        }
        return "a JSON object";
    }

    /** A record that also binds from a plain string, through a {@code @JsonCreator} factory taking one. */
    private static boolean takesText(Class<?> type) {
        for (Method method : type.getDeclaredMethods()) {
            if (Modifier.isStatic(method.getModifiers()) && method.isAnnotationPresent(JsonCreator.class)
                    && method.getParameterCount() == 1 && method.getParameterTypes()[0] == String.class) {
                return true;
            }
        }
        return false;
    }

    /** The record's {@code DEFAULTS} as JSON, or null when it declares none. */
    private static JsonNode defaults(Class<?> type) {
        try {
            return MAPPER.valueToTree(type.getField("DEFAULTS").get(null));
        } catch (NoSuchFieldException e) {
            return null;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(type + ".DEFAULTS is not public", e);
        }
    }

    /** Jackson's refusals, in the same terms as the checks above. */
    private static SettingException translate(JsonProcessingException e) {
        String key = e instanceof JsonMappingException mapping ? key(mapping.getPath()) : "";
        if (e instanceof UnrecognizedPropertyException unknown) {
            return SettingException.unknown(key, unknown.getKnownPropertyIds().stream().map(String::valueOf).toList());
        }
        if (e instanceof ValueInstantiationException created) {
            Throwable cause = created.getCause();
            if (cause instanceof SettingException refused) {
                return refused.within(key);
            }
            return SettingException.of(key, cause == null ? created.getOriginalMessage() : cause.getMessage());
        }
        if (e instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
            return SettingException.of(key, "cannot be read as " + mismatched.getTargetType().getSimpleName());
        }
        return SettingException.of(key, e.getOriginalMessage());
    }

    private static String key(List<JsonMappingException.Reference> path) {
        StringBuilder key = new StringBuilder();
        for (JsonMappingException.Reference reference : path) {
            if (reference.getFieldName() != null) {
                key.append(key.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                key.append('[').append(reference.getIndex()).append(']');
            }
        }
        return key.toString();
    }

    /**
     * The refusal with the layer its key came from (the key itself, or the nearest section or list above it), and
     * a value that layer gave as text shown as written.
     */
    private static SettingException located(SettingException e, Map<String, Layer.Origin> origins) {
        String key = e.key();
        while (!key.isEmpty()) {
            Layer.Origin origin = origins.get(key);
            if (origin != null) {
                SettingException shown = origin.given() != null && key.equals(e.key()) ? e.given(origin.given()) : e;
                return origin.where() == null ? shown : shown.from(origin.where());
            }
            int cut = Math.max(key.lastIndexOf('.'), key.lastIndexOf('['));
            key = cut < 0 ? "" : key.substring(0, cut);
        }
        return e; // a default, which is never refused, or a check across keys
    }

    /** A JSON value as the user wrote it: strings quoted, whole numbers without a fraction. */
    static String show(JsonNode value) {
        if (value.isTextual()) {
            return SettingException.show(value.textValue());
        }
        if (value.isNumber()) {
            return value.isIntegralNumber() ? value.asText() : SettingException.show(value.doubleValue());
        }
        return value.toString();
    }

    private static String lowerCase(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    /** Enums are written as their names in lower case, as the settings take them. */
    @SuppressWarnings("rawtypes")
    private static final class LowerCaseEnums extends StdSerializer<Enum> {
        LowerCaseEnums() {
            super(Enum.class);
        }

        @Override
        public void serialize(Enum value, JsonGenerator generator, SerializerProvider provider) throws IOException {
            generator.writeString(lowerCase(value));
        }
    }
}
