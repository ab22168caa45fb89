package io.timemesh.api;

import io.timemesh.core.settings.Whole;

/**
 * The NTP server's settings, bound from its deployment JSON by {@link io.timemesh.core.settings.Settings}: a node
 * passes its {@code ntpPort}, {@code ntpHost} and {@code ntpRateLimit}.
 *
 * @param ntpPort      the UDP port (0: any free port)
 * @param ntpHost      the address to listen on, or null for every address (dual-stack where there is IPv6)
 * @param ntpRateLimit per-client rate limiting, or null for none (as chrony by default)
 * @param ntpJoinsPort whether this instance joins a port another instance of the node already holds (SO_REUSEPORT),
 *                     rather than claiming it; set by the node for its second and later instances
 */
public record NtpServerSettings(@Whole(min = 0, max = 65_535) int ntpPort, String ntpHost, NtpRateLimit ntpRateLimit,
                                boolean ntpJoinsPort) {

    /** NTP's port 123 on every address, no rate limiting. */
    public static final NtpServerSettings DEFAULTS = new NtpServerSettings(123, null, null, false);

    /**
     * Whether more instances may share this one's port: not with rate limiting, whose per-client state must be one
     * table (clients such as chrony send from a new port each time, so the kernel would spread one client over
     * every instance).
     */
    public boolean shareable() {
        return ntpRateLimit == null || !ntpRateLimit.enabled();
    }

    /** These settings for an instance that joins {@code port} on {@code host}, which another instance holds. */
    public NtpServerSettings joining(int port, String host) {
        return new NtpServerSettings(port, host, ntpRateLimit, true);
    }
}
