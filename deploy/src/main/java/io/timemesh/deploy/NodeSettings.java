package io.timemesh.deploy;

import io.timemesh.api.ApiSettings;
import io.timemesh.api.HttpLimits;
import io.timemesh.api.NtpRateLimit;
import io.timemesh.api.nts.NtsServerSettings;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.settings.SettingException;
import io.timemesh.core.settings.Whole;
import io.timemesh.discipline.DisciplineSettings;
import io.timemesh.sampler.ExchangeSettings;
import io.timemesh.sampler.PoolEntry;
import io.timemesh.sampler.SamplerConfig;
import io.timemesh.sampler.SourceEntry;
import io.timemesh.selector.SelectionSettings;
import java.util.List;

/**
 * Everything a node runs with, as the config file writes it: each section declared once, by the module that uses
 * it, with its keys' ranges and defaults, and bound from the layers (file, environment, system properties, command
 * line) by {@link io.timemesh.core.settings.Settings}. {@link NodeConfig} derives every verticle's settings from it.
 * The top-level keys the file keeps flat for the sampler ({@code sources}, {@code pools}, {@code pollSeconds},
 * {@code iburst}) and the API ({@code httpHost}, {@code httpPort}) take the ranges and defaults of
 * {@link SamplerConfig} and {@link ApiSettings}.
 *
 * @param nodeName     this node's name, or null for "node-PID"
 * @param sources      the NTP servers to ask, or null for the public pool (none when {@code pools} are given)
 * @param pools        pools, each standing for up to its maxSources servers
 * @param pollSeconds  the poll interval once iburst is done, s (1..131072)
 * @param iburst       whether a source's first 4 exchanges are 2 s apart
 * @param httpHost     where the HTTP API listens
 * @param httpPort     its port (0: any free port)
 * @param clusterName  the Hazelcast cluster's name, or null: "timemesh" in a cluster, a name of its own for a
 *                     single node, which must never merge with another run on the same machine
 * @param sampler      how the sampler exchanges packets
 * @param selector     how the selector selects
 * @param discipline   how the clock is disciplined
 * @param cluster      how the node joins a cluster of several, or null for a single node
 * @param roles        what this node runs
 * @param ntpPort      the NTP server's UDP port, or null for no NTP server
 * @param ntpHost      its address, or null for every address
 * @param ntpRateLimit its per-client rate limiting, or null for none
 * @param httpMetrics  whether every HTTP request is timed into Vert.x's HTTP server metrics: they cost /time some
 *                     5–10 % of its throughput; /metrics keeps the timemesh and JVM series without
 * @param http         the HTTP server's limits
 * @param ntsServer    how it serves NTS (RFC 8915), or null for not; needs {@code ntpPort}
 * @throws SettingException naming the key, for a rule across keys: role api without discipline, no sources where
 *                          they are needed, NTS serving without the NTP server, a cluster without its key
 */
public record NodeSettings(String nodeName, List<SourceEntry> sources, List<PoolEntry> pools,
                           @Whole(min = NtpConstants.MIN_POLL_SECONDS, max = NtpConstants.MAX_POLL_SECONDS)
                           int pollSeconds, boolean iburst, String httpHost,
                           @Whole(min = 0, max = 65_535) int httpPort, String clusterName, ExchangeSettings sampler,
                           SelectionSettings selector, DisciplineSettings discipline, ClusterSettings cluster,
                           List<Role> roles, @Whole(min = 0, max = 65_535) Integer ntpPort, String ntpHost,
                           NtpRateLimit ntpRateLimit, boolean httpMetrics, HttpLimits http, NtsServerSettings ntsServer) {

    /** Public NTP pool servers, polled politely (64 s). */
    public static final List<String> DEFAULT_SOURCES =
            List.of("0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org", "3.pool.ntp.org");

    /** Every role; the modules' own defaults for their sections; no cluster, no NTP server. */
    public static final NodeSettings DEFAULTS = new NodeSettings(null, null, List.of(),
            SamplerConfig.DEFAULTS.pollSeconds(), SamplerConfig.DEFAULTS.iburst(), ApiSettings.DEFAULTS.httpHost(),
            ApiSettings.DEFAULTS.httpPort(), null, ExchangeSettings.DEFAULTS, SelectionSettings.DEFAULTS,
            DisciplineSettings.DEFAULTS, null, List.of(Role.values()), null, null, null, true, HttpLimits.DEFAULTS, null);

    public NodeSettings {
        pools = List.copyOf(pools);
        roles = List.copyOf(roles);
        if (roles.contains(Role.API) && !roles.contains(Role.DISCIPLINE)) {
            throw SettingException.rule("roles", "has 'api' without 'discipline': role 'api' needs role 'discipline' "
                    + "on the same node, it serves that clock");
        }
        if (sources != null && sources.isEmpty() && pools.isEmpty()
                && (roles.contains(Role.SAMPLER) || roles.contains(Role.SELECTOR))) {
            throw SettingException.rule("sources", "is empty: a node that samples or selects needs servers to ask "
                    + "(at least 3, and an odd number, so that a majority survives one failure)");
        }
        if (ntsServer != null && ntpPort == null) {
            throw SettingException.rule("ntsServer", "needs the NTP server: set 'ntpPort'");
        }
        if (cluster != null) {
            try {
                cluster.checkKeyed();
            } catch (SettingException e) {
                throw e.within("cluster");
            }
        }
    }

    /**
     * These settings with what depends on others filled in: the node's name, the cluster's name and the sources.
     *
     * @param pid this process's id, for the default node name
     * @param nanos a moment (System.nanoTime), which makes a single node's cluster name its own
     */
    NodeSettings resolved(long pid, long nanos) {
        String node = nodeName == null ? "node-" + pid : nodeName;
        String clusterNamed = clusterName != null ? clusterName
                : cluster != null ? "timemesh" : "timemesh-" + node + "-" + Long.toHexString(nanos);
        List<SourceEntry> servers = sources != null ? sources
                : pools.isEmpty() ? DEFAULT_SOURCES.stream().map(SourceEntry::of).toList() : List.of();
        return new NodeSettings(node, servers, pools, pollSeconds, iburst, httpHost, httpPort, clusterNamed, sampler,
                selector, discipline, cluster, roles, ntpPort, ntpHost, ntpRateLimit, httpMetrics, http, ntsServer);
    }

    /** These settings under another node name. */
    NodeSettings named(String name) {
        return new NodeSettings(name, sources, pools, pollSeconds, iburst, httpHost, httpPort, clusterName, sampler,
                selector, discipline, cluster, roles, ntpPort, ntpHost, ntpRateLimit, httpMetrics, http, ntsServer);
    }
}
