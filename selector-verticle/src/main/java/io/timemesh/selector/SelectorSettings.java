package io.timemesh.selector;

import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.settings.Real;
import java.util.List;

/**
 * Everything a selector runs with: the node's {@code "selector"} section and what the node passes on from its
 * other settings, so that the selector agrees with its samplers and its discipline. Bound from the verticle's
 * deployment JSON by {@link io.timemesh.core.settings.Settings}.
 *
 * @param nodeName    this node's name, which signs its references
 * @param selection   how it selects (the config section "selector")
 * @param sources     the configured sources: each is a voter, and one that is not a candidate votes against
 * @param maxDriftPpm bound on the local timescale's frequency error, ppm: a source's interval of true time grows
 *                    this fast after its sampler published it (a node passes its discipline's maxDriftPpm, as to
 *                    its samplers); up to 10 %, beyond which a clock is broken, not drifting
 * @param leapDays    the days a leap second announced by a majority is believed on (a node passes its
 *                    discipline's leapDays, so that both agree)
 */
public record SelectorSettings(String nodeName, SelectionSettings selection, List<String> sources,
                               @Real(max = 100_000) double maxDriftPpm, LeapDays leapDays) {

    /** RFC 5905's PHI (15 ppm) and leap seconds at the end of June or December only. */
    public static final SelectorSettings DEFAULTS =
            new SelectorSettings("local", SelectionSettings.DEFAULTS, List.of(), 15, LeapDays.JUNE_DECEMBER);

    public SelectorSettings {
        sources = List.copyOf(sources);
    }

    /** {@link #maxDriftPpm} dimensionless (1.5e-5 = 15 ppm). */
    public double maxDrift() {
        return maxDriftPpm / 1e6;
    }
}
