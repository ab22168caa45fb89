package io.timemesh.sampler;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.settings.SettingException;
import io.timemesh.core.settings.Whole;
import io.timemesh.sampler.nts.NtsKeClient;
import io.timemesh.sampler.nts.NtsSourceSettings;
import java.nio.file.Path;

/**
 * One configured source: {@code "host[:port]"}, or to give it NTS {@code {"address": "host[:port]", "nts": true,
 * "ntsKePort": 4460, "trustedCertificates": "FILE.pem"}}. Bound and checked by
 * {@link io.timemesh.core.settings.Settings}.
 *
 * @param address             the server, "host[:port]" (port 123 by default)
 * @param nts                 whether it is authenticated with NTS (RFC 8915)
 * @param ntsKePort           its NTS-KE port, or null for 4460; only with {@code nts}
 * @param trustedCertificates PEM file of the certificates to trust for its NTS-KE, or null for the JDK's trust
 *                            store; only with {@code nts}
 * @throws SettingException for an address that is not host[:port], or NTS options without {@code "nts": true}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SourceEntry(@JsonProperty(required = true) String address, boolean nts,
                          @Whole(min = 1, max = 65_535) Integer ntsKePort, Path trustedCertificates) {

    public static final SourceEntry DEFAULTS = new SourceEntry(null, false, null, null);

    public SourceEntry {
        PoolEntry.checkAddress("address", address);
        if (!nts && (ntsKePort != null || trustedCertificates != null)) {
            throw SettingException.of("nts", "ntsKePort and trustedCertificates need \"nts\": true");
        }
    }

    /** A plain source, "host[:port]". */
    @JsonCreator
    public static SourceEntry of(String address) {
        return new SourceEntry(address, false, null, null);
    }

    public ServerAddress server() {
        return ServerAddress.parse(address);
    }

    /** How it is authenticated, or null without NTS. */
    public NtsSourceSettings ntsSettings() {
        return nts ? new NtsSourceSettings(ntsKePort == null ? NtsKeClient.DEFAULT_KE_PORT : ntsKePort,
                trustedCertificates) : null;
    }
}
