package io.timemesh.sampler;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.settings.SettingException;
import io.timemesh.core.settings.Whole;

/**
 * One configured pool, as chrony's {@code pool}: {@code {"name": "host[:port]", "maxSources": n}}. Bound and checked
 * by {@link io.timemesh.core.settings.Settings}.
 *
 * @param name       the pool's DNS name, "host[:port]"
 * @param maxSources how many of its servers are asked, each a source and a voter (1–16, default 4)
 * @throws SettingException for a name that is not host[:port]
 */
public record PoolEntry(@JsonProperty(required = true) String name,
                        @Whole(min = 1, max = PoolSource.MAX_SOURCES) int maxSources) {

    public static final PoolEntry DEFAULTS = new PoolEntry(null, PoolSource.DEFAULT_MAX_SOURCES);

    public PoolEntry {
        checkAddress("name", name);
    }

    /**
     * Refuses {@code text} under {@code key} unless it is "host[:port]" or absent (null).
     *
     * @throws SettingException naming the key and what is wrong with the address
     */
    static void checkAddress(String key, String text) {
        if (text != null) {
            try {
                ServerAddress.parse(text);
            } catch (IllegalArgumentException e) {
                throw SettingException.of(key, e.getMessage());
            }
        }
    }

    /** The pool as the sampler asks it. */
    public PoolSource pool() {
        return new PoolSource(ServerAddress.parse(name), maxSources);
    }
}
