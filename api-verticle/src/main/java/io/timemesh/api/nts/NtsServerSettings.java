package io.timemesh.api.nts;

import io.timemesh.core.settings.Setting;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;

/**
 * Serving NTS (RFC 8915), from the config section {@code "ntsServer": {"kePort": 4460, "certificate":
 * "cert.pem", "key": "key.pem", "keyRotationSeconds": 86400, "ntpServer": "10.0.0.2"}} or {@code --nts-ke-port N
 * --nts-certificate PEM --nts-key PEM}; it needs the NTP server ({@code ntpPort}).
 *
 * @param kePort             the NTS-KE server's TCP port (0: any free port)
 * @param certificate        PEM certificate chain, the server's first
 * @param key                its PEM private key (PKCS#8)
 * @param keyRotationSeconds how long a cookie key stays current (the previous one still opens cookies)
 * @param ntpServer          the host NTS-KE sends clients' NTP to (another node of the cluster, which opens our
 *                           cookies), or null for this node, as chrony's {@code ntsntpserver}
 */
public record NtsServerSettings(int kePort, Path certificate, Path key, long keyRotationSeconds, String ntpServer) {
    public static final String SECTION = "ntsServer";
    public static final Map<String, Class<?>> KEYS = Map.of("kePort", Number.class, "certificate", String.class,
            "key", String.class, "keyRotationSeconds", Number.class, "ntpServer", String.class);
    public static final int DEFAULT_KE_PORT = 4460;
    /** As chrony's ntsrotate default: a week. */
    public static final long DEFAULT_ROTATION_SECONDS = 604_800;

    /**
     * @return the settings, or null without the section
     * @throws IllegalArgumentException naming the key for a missing certificate or key, or a number out of range
     */
    public static NtsServerSettings fromJson(JsonObject section) {
        if (section == null) {
            return null;
        }
        for (String required : new String[] {"certificate", "key"}) {
            if (!(section.getValue(required) instanceof String)) {
                throw new IllegalArgumentException("'" + SECTION + "." + required + "' must name a PEM file");
            }
        }
        return new NtsServerSettings(
                Setting.wholeNumber(SECTION + ".kePort", section.getValue("kePort"), DEFAULT_KE_PORT, 0, 65_535),
                Path.of(section.getString("certificate")), Path.of(section.getString("key")),
                Setting.wholeNumber(SECTION + ".keyRotationSeconds", section.getValue("keyRotationSeconds"),
                        DEFAULT_ROTATION_SECONDS, 1, 1_000_000_000L),
                section.getString("ntpServer"));
    }
}
