package io.timemesh.sampler;

import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.settings.Real;
import io.timemesh.core.settings.Whole;
import io.timemesh.sampler.nts.NtsSourceSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampler's settings, bound from the verticle's deployment JSON by {@link io.timemesh.core.settings.Settings}
 * and checked up front: a bad value is an error naming its key, never a surprise at the first poll. A node passes
 * its {@code sources}, {@code pools}, {@code pollSeconds}, {@code iburst} and {@code sampler} section.
 *
 * @param sources     the configured sources, each a server and a voter
 * @param pools       pools, each standing for up to its maxSources sources besides {@code sources}
 * @param pollSeconds the poll interval once iburst is done, s (RFC 5905's 1..131072; default 64)
 * @param iburst      whether a source's first 4 exchanges are 2 s apart
 * @param sampler     how it exchanges packets (the config section "sampler")
 * @param nodeName    this node's name, which signs its samples
 * @param maxDriftPpm bound on the local timescale's frequency error, ppm: how fast each source's exact interval grows
 *                    with age; a node passes its discipline's maxDriftPpm (up to 10 %, beyond which a clock is broken)
 */
public record SamplerConfig(List<SourceEntry> sources, List<PoolEntry> pools,
                            @Whole(min = NtpConstants.MIN_POLL_SECONDS, max = NtpConstants.MAX_POLL_SECONDS) int pollSeconds,
                            boolean iburst, ExchangeSettings sampler, String nodeName,
                            @Real(max = 100_000) double maxDriftPpm) {

    /** No sources, polls every 64 s after an iburst, RFC 5905's PHI (15 ppm) of drift. */
    public static final SamplerConfig DEFAULTS = new SamplerConfig(List.of(), List.of(),
            NtpConstants.DEFAULT_POLL_SECONDS, true, ExchangeSettings.DEFAULTS, "local", 15);

    public SamplerConfig {
        sources = List.copyOf(sources);
        pools = List.copyOf(pools);
    }

    /** The configured sources' servers, in order. */
    public List<ServerAddress> servers() {
        return sources.stream().map(SourceEntry::server).toList();
    }

    /** The pools as the sampler asks them. */
    public List<PoolSource> poolSources() {
        return pools.stream().map(PoolEntry::pool).toList();
    }

    /** The sources authenticated with NTS, by source name ("host:port"), and how. */
    public Map<String, NtsSourceSettings> nts() {
        Map<String, NtsSourceSettings> nts = new LinkedHashMap<>();
        sources.stream().filter(SourceEntry::nts).forEach(source -> nts.put(source.server().toString(), source.ntsSettings()));
        return nts;
    }

    /** How long an exchange waits for a valid reply. */
    public Duration timeout() {
        return Duration.ofMillis(sampler.timeoutMillis());
    }

    /** {@link #maxDriftPpm} dimensionless (1.5e-5 = 15 ppm). */
    public double maxDrift() {
        return maxDriftPpm / 1e6;
    }

    /** Every source's name as samplers and selectors know it: the plain sources, then each pool's members. */
    public List<String> sourceNames() {
        List<String> names = new ArrayList<>();
        servers().forEach(source -> names.add(source.toString()));
        poolSources().forEach(pool -> names.addAll(pool.members()));
        return names;
    }
}
