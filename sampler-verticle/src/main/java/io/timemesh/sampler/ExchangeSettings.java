package io.timemesh.sampler;

import io.timemesh.core.settings.Whole;

/**
 * How the sampler exchanges packets: the config section {@code "sampler"}, bound and checked by
 * {@link io.timemesh.core.settings.Settings}.
 *
 * @param timeoutMillis how long an exchange waits for a valid reply, ms
 * @param bindHost      where the client socket listens (replies come back to it)
 */
public record ExchangeSettings(@Whole(min = 1, max = 60_000) long timeoutMillis, String bindHost) {

    /** Two seconds, every IPv4 address. */
    public static final ExchangeSettings DEFAULTS = new ExchangeSettings(2_000, "0.0.0.0");
}
