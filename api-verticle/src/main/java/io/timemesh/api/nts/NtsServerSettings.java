package io.timemesh.api.nts;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.timemesh.core.settings.Whole;
import java.nio.file.Path;

/**
 * Serving NTS (RFC 8915), from the config section {@code "ntsServer": {"kePort": 4460, "certificate":
 * "cert.pem", "key": "key.pem", "keyRotationSeconds": 86400, "ntpServer": "10.0.0.2"}} or {@code --nts-ke-port N
 * --nts-certificate PEM --nts-key PEM}; it needs the NTP server ({@code ntpPort}). Bound and checked by
 * {@link io.timemesh.core.settings.Settings}.
 *
 * @param kePort             the NTS-KE server's TCP port (0: any free port; default 4460, RFC 8915 §6)
 * @param certificate        PEM certificate chain, the server's first (required)
 * @param key                its PEM private key, PKCS#8 (required)
 * @param keyRotationSeconds how long a cookie key stays current (the previous one still opens cookies), s; default
 *                           a week, as chrony's ntsrotate
 * @param ntpServer          the host NTS-KE sends clients' NTP to (another node of the cluster, which opens our
 *                           cookies), or null for this node, as chrony's {@code ntsntpserver}
 */
public record NtsServerSettings(@Whole(min = 0, max = 65_535) int kePort,
                                @JsonProperty(required = true) Path certificate,
                                @JsonProperty(required = true) Path key,
                                @Whole(min = 1, max = 1_000_000_000L) long keyRotationSeconds, String ntpServer) {
    public static final int DEFAULT_KE_PORT = 4460;
    /** As chrony's ntsrotate default: a week. */
    public static final long DEFAULT_ROTATION_SECONDS = 604_800;

    /** Defaults of the section's optional keys; the certificate and key have none. */
    public static final NtsServerSettings DEFAULTS =
            new NtsServerSettings(DEFAULT_KE_PORT, null, null, DEFAULT_ROTATION_SECONDS, null);
}
