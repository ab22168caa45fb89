package io.timemesh.core.settings;

/**
 * A configuration value or key that is refused, naming the full key ("discipline.maxDriftPpm"), the value as it
 * was given, what is allowed, and the layer it came from ("config file node.json", "environment variable
 * TIMEMESH_POLL_SECONDS", "option --poll"), so the message tells a user exactly what to change and where.
 */
public final class SettingException extends IllegalArgumentException {
    private final String key;
    private final String template;
    private final String allowed;
    private final String where;

    private SettingException(String key, String template, String allowed, String where) {
        super(String.format(template, "'" + key + "'") + (where == null ? "" : " (" + where + ")"));
        this.key = key;
        this.template = template;
        this.allowed = allowed;
        this.where = where;
    }

    /**
     * A value outside what the key takes: "'key' must be ALLOWED, was SHOWN".
     *
     * @param shown the value as the user wrote it (see {@link #show})
     */
    public static SettingException refused(String key, String shown, String allowed) {
        return new SettingException(key, "%s must be " + allowed.replace("%", "%%") + ", was "
                + shown.replace("%", "%%"), allowed, null);
    }

    /** A key the settings do not have: "unknown config key 'key'; known: [...]". */
    public static SettingException unknown(String key, java.util.Collection<String> known) {
        return new SettingException(key, "unknown config key %s; known: " + new java.util.TreeSet<>(known), null, null);
    }

    /** Any other refusal of {@code key}, e.g. "'sources[0]': port is not a number". */
    public static SettingException of(String key, String problem) {
        return new SettingException(key, "%s: " + problem.replace("%", "%%"), null, null);
    }

    /**
     * A rule across keys that {@code key} breaks, the sentence going on from the key: "'sources' is empty: a node
     * that samples needs servers to ask".
     */
    public static SettingException rule(String key, String sentence) {
        return new SettingException(key, "%s " + sentence.replace("%", "%%"), null, null);
    }

    /** The same refusal under {@code section.key} ("pools[0]" and "name" give "pools[0].name"). */
    public SettingException within(String section) {
        return section.isEmpty() ? this : new SettingException(section + "." + key, template, allowed, where);
    }

    /** The same refusal, saying which layer the value came from. */
    public SettingException from(String layer) {
        return new SettingException(key, template, allowed, layer);
    }

    /**
     * The same refusal showing the value as the user typed it ("1e300" rather than 1.0E300), when this refuses a
     * value; else this.
     */
    public SettingException given(String text) {
        return allowed == null ? this : refused(key, text, allowed).from(where);
    }

    /** The full key, e.g. "discipline.maxDriftPpm" or "pools[1].maxSources". */
    public String key() {
        return key;
    }

    /** The layer the refused value came from, or null when it is not known (a default, or an internal call). */
    public String where() {
        return where;
    }

    /** A value as read: strings quoted, whole numbers without a fraction, others as Java prints them. */
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
