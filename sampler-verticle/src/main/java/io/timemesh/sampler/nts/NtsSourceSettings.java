package io.timemesh.sampler.nts;

import io.timemesh.core.settings.Setting;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Set;

/**
 * How a source is authenticated with NTS (RFC 8915), from a config source entry
 * {@code {"address": "host[:port]", "nts": true, "ntsKePort": 4460, "trustedCertificates": "FILE.pem"}}.
 *
 * @param kePort              the NTS-KE server's TCP port on the source's host (default 4460, RFC 8915 §6)
 * @param trustedCertificates PEM file of the certificates to trust, or null for the JDK's trust store
 */
public record NtsSourceSettings(int kePort, Path trustedCertificates) {
    public static final String ADDRESS = "address";
    public static final String NTS = "nts";
    public static final String KE_PORT = "ntsKePort";
    public static final String TRUSTED_CERTIFICATES = "trustedCertificates";
    private static final Set<String> KEYS = Set.of(ADDRESS, NTS, KE_PORT, TRUSTED_CERTIFICATES);

    /**
     * Reads a source entry's NTS settings.
     *
     * @param key the entry's config key for errors, e.g. "sources[2]"
     * @return the settings, or null when the entry does not ask for NTS
     * @throws IllegalArgumentException naming the key for an unknown field, a non-boolean "nts", a port
     *         out of 1..65535, or NTS fields without {@code "nts": true}
     */
    public static NtsSourceSettings fromJson(String key, JsonObject entry) {
        for (String field : entry.fieldNames()) {
            if (!KEYS.contains(field)) {
                throw new IllegalArgumentException("unknown config key '" + key + "." + field + "'; a source takes '"
                        + ADDRESS + "', '" + NTS + "', '" + KE_PORT + "' and '" + TRUSTED_CERTIFICATES + "'");
            }
        }
        Object nts = entry.getValue(NTS, false);
        if (!(nts instanceof Boolean enabled)) {
            throw new IllegalArgumentException("'" + key + "." + NTS + "' must be true or false, was " + nts);
        }
        if (!enabled) {
            if (entry.containsKey(KE_PORT) || entry.containsKey(TRUSTED_CERTIFICATES)) {
                throw new IllegalArgumentException("'" + key + "' sets NTS options without \"nts\": true");
            }
            return null;
        }
        int port = (int) Setting.wholeNumber(key + "." + KE_PORT, entry.getValue(KE_PORT), NtsKeClient.DEFAULT_KE_PORT, 1,
                65_535);
        Object trusted = entry.getValue(TRUSTED_CERTIFICATES);
        if (trusted != null && !(trusted instanceof String)) {
            throw new IllegalArgumentException("'" + key + "." + TRUSTED_CERTIFICATES + "' must be a PEM file name, was "
                    + trusted);
        }
        return new NtsSourceSettings(port, trusted == null ? null : Path.of((String) trusted));
    }

    /** The entry form of these settings for {@code address}, as the config file takes it. */
    public JsonObject toJson(String address) {
        JsonObject entry = new JsonObject().put(ADDRESS, address).put(NTS, true).put(KE_PORT, kePort);
        return trustedCertificates == null ? entry : entry.put(TRUSTED_CERTIFICATES, trustedCertificates.toString());
    }
}
