package io.timemesh.core.settings;

/**
 * A configuration value that is refused, with the key it was given under, the value as read and what is
 * allowed, so the message can tell a user exactly what to change.
 */
public final class SettingException extends IllegalArgumentException {
    private final String key;
    private final transient Object value;
    private final String allowed;

    /**
     * @param key     the key, as full as the thrower knows it (a section adds its name with {@link #within})
     * @param value   the value as it was read (a JSON number, string, ...)
     * @param allowed what the key takes, e.g. "a number from 0 to 100000"
     */
    public SettingException(String key, Object value, String allowed) {
        super("'" + key + "' must be " + allowed + ", was " + show(value));
        this.key = key;
        this.value = value;
        this.allowed = allowed;
    }

    /** The same refusal under {@code section.key}. */
    public SettingException within(String section) {
        return new SettingException(section + "." + key, value, allowed);
    }

    public String key() {
        return key;
    }

    public String allowed() {
        return allowed;
    }

    /** The value as read: strings quoted, whole numbers without a fraction, others as Java prints them. */
    public static String show(Object value) {
        if (value instanceof String text) {
            return "\"" + text + "\"";
        }
        if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue());
        }
        return String.valueOf(value);
    }
}
