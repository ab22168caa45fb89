package io.timemesh.selector;

import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.settings.Real;
import io.timemesh.core.settings.Whole;
import java.util.Set;

/**
 * How the selector selects: the config section {@code "selector"}, each component one key with its range and
 * default ({@link #DEFAULTS}), bound and checked by {@link io.timemesh.core.settings.Settings}.
 *
 * @param staleAfterPolls    a source whose newest sample is older than this many of its polls is unreachable
 * @param maxDistanceSeconds candidates need an aged root distance below this, s (RFC 5905's MAXDIST, 1.5 s; at most
 *                           MAXDISP, 16 s)
 * @param trusted            sources ("host:port") that win ties between equally deep regions
 * @param historySize        how many decisions to keep
 * @param reselectMillis     selection also runs this often, so ageing and staleness show without new samples, ms
 */
public record SelectionSettings(@Whole(min = 1, max = 1_000) int staleAfterPolls,
                                @Real(positive = true, max = NtpConstants.MAXDISP) double maxDistanceSeconds,
                                Set<String> trusted,
                                @Whole(min = 1, max = 10_000) int historySize,
                                @Whole(min = 10, max = 3_600_000) long reselectMillis) {

    public static final SelectionSettings DEFAULTS = new SelectionSettings(4, NtpConstants.MAXDIST, Set.of(), 64, 1_000);

    public SelectionSettings {
        trusted = Set.copyOf(trusted);
    }
}
