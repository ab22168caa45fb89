package io.timemesh.core.settings;

/**
 * Reads one numeric setting from a parsed configuration value (a JSON number, or null when absent),
 * refusing anything outside the range that keeps the arithmetic it feeds finite, and any fraction where
 * a whole number is meant: a value is never silently truncated or clamped.
 */
public final class Setting {
    private Setting() {}

    /**
     * @return {@code value} as a double, or {@code fallback} when it is null
     * @throws SettingException when it is not a number, or not finite and within [min, max]
     */
    public static double number(String key, Object value, double fallback, double min, double max) {
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number n && n.doubleValue() >= min && n.doubleValue() <= max) {
            return n.doubleValue();
        }
        throw SettingException.refused(key, SettingException.show(value), "a number from " + SettingException.show(min) + " to "
                + SettingException.show(max));
    }

    /**
     * @return {@code value} as a double greater than 0, or {@code fallback} when it is null
     * @throws SettingException when it is not a number in (0, max]
     */
    public static double positive(String key, Object value, double fallback, double max) {
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number n && n.doubleValue() > 0 && n.doubleValue() <= max) {
            return n.doubleValue();
        }
        throw SettingException.refused(key, SettingException.show(value), "a number greater than 0, at most " + SettingException.show(max));
    }

    /**
     * @return {@code value} as a long, or {@code fallback} when it is null
     * @throws SettingException when it is not a whole number within [min, max] (18252.9 is refused, not truncated)
     */
    public static long wholeNumber(String key, Object value, long fallback, long min, long max) {
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && n.doubleValue() >= min && n.doubleValue() <= max) {
            return n.longValue();
        }
        throw SettingException.refused(key, SettingException.show(value), "a whole number from " + min + " to " + max);
    }

    /** {@link #wholeNumber(String, Object, long, long, long)} for int settings. */
    public static int wholeNumber(String key, Object value, int fallback, int min, int max) {
        return (int) wholeNumber(key, value, (long) fallback, min, max);
    }

    /**
     * @return the constant of {@code type} whose name, in lower case, is {@code value}; {@code fallback} when null
     * @throws SettingException when it is not one of those names (the message lists them)
     */
    public static <E extends Enum<E>> E oneOf(String key, Object value, E fallback, Class<E> type) {
        if (value == null) {
            return fallback;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(java.util.Locale.ROOT).equals(value)) {
                return constant;
            }
        }
        throw SettingException.refused(key, SettingException.show(value), "one of " + java.util.Arrays.stream(type.getEnumConstants())
                .map(c -> SettingException.show(c.name().toLowerCase(java.util.Locale.ROOT)))
                .collect(java.util.stream.Collectors.joining(", ")));
    }
}
