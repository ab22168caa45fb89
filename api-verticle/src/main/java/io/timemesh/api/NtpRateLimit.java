package io.timemesh.api;

import io.timemesh.core.settings.Whole;

/**
 * Per-client rate limiting of the NTP server, as chrony's {@code ratelimit}: the config section
 * {@code "ntpRateLimit"}, chrony's defaults and ranges. Bound and checked by {@link io.timemesh.core.settings.Settings}.
 *
 * @param enabled  whether requests are limited at all (a section with {@code "enabled": false} is off)
 * @param interval a credit every 2^interval s per client address (log2 s)
 * @param burst    credits a client may save up
 * @param leak     one in 2^leak limited requests is still answered
 * @param kod      whether a limited request gets a kiss-o'-death RATE instead of silence
 */
public record NtpRateLimit(boolean enabled, @Whole(min = -4, max = 12) int interval, @Whole(min = 1, max = 255) int burst,
                           @Whole(min = 0, max = 4) int leak, boolean kod) {

    /** chrony's: interval 3 (8 s), burst 8, leak 2, no kiss-o'-death. */
    public static final NtpRateLimit DEFAULTS = new NtpRateLimit(true, 3, 8, 2, false);
}
