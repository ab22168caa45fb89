package io.timemesh.deploy;

import io.timemesh.api.ApiSettings;
import io.timemesh.api.NtpServerSettings;
import io.timemesh.core.settings.Layer;
import io.timemesh.core.settings.Settings;
import io.timemesh.discipline.DisciplineSettings;
import io.timemesh.sampler.SamplerConfig;
import io.timemesh.sampler.SourceEntry;
import io.timemesh.selector.SelectorSettings;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Everything a node runs with ({@link NodeSettings}, bound from its layers and resolved), and every verticle's
 * settings derived from it, typed. Everything is checked here, before anything starts, so a bad value is reported
 * by its full key and its layer.
 */
public final class NodeConfig {
    private final NodeSettings settings;

    private NodeConfig(NodeSettings settings) {
        this.settings = settings;
    }

    /**
     * Binds a node's settings from its layers, earliest first (file, environment, system properties, options).
     *
     * @throws io.timemesh.core.settings.SettingException naming the key, the value as given, what is allowed and the
     *         layer, for any key or value refused
     */
    public static NodeConfig of(List<Layer> layers) {
        return new NodeConfig(Settings.bind(NodeSettings.class, layers)
                .resolved(ProcessHandle.current().pid(), System.nanoTime()));
    }

    /**
     * A node's settings as one JSON object (as a program embedding a node gives them).
     *
     * @throws io.timemesh.core.settings.SettingException as {@link #of}, the layer being "config JSON"
     */
    public NodeConfig(JsonObject json) {
        this(of(List.of(Layer.json("config JSON", json.encode()))).settings);
    }

    /** The node's settings, with its name, its cluster's name and its sources resolved. */
    public NodeSettings settings() {
        return settings;
    }

    /** The same settings under another node name. */
    public NodeConfig named(String nodeName) {
        return new NodeConfig(settings.named(nodeName));
    }

    public String nodeName() {
        return settings.nodeName();
    }

    public String clusterName() {
        return settings.clusterName();
    }

    /** Whether this node joins a cluster of several (the "cluster" section is present). */
    public boolean clustered() {
        return settings.cluster() != null;
    }

    /** The "cluster" section, or its defaults for a single node. */
    public ClusterSettings cluster() {
        return clustered() ? settings.cluster() : ClusterSettings.DEFAULTS;
    }

    public List<Role> roles() {
        return settings.roles();
    }

    /**
     * Warnings about the sources as configured: a server named more than once (exactly, or as host and
     * host:123) is asked once and has one vote, which the operator may not have meant.
     *
     * @return one line per server or pool named more than once, empty when none is
     */
    public List<String> duplicateSources() {
        Map<String, List<String>> spellings = new LinkedHashMap<>();
        for (SourceEntry source : settings.sources()) {
            spellings.computeIfAbsent(source.server().toString(), s -> new ArrayList<>()).add(source.address());
        }
        List<String> warnings = spellings.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> "source " + e.getKey() + " is configured " + e.getValue().size() + " times (as "
                        + String.join(", ", e.getValue()) + "): it is one server and has one vote")
                .collect(Collectors.toCollection(ArrayList::new));
        Map<String, Long> pools = sampler().poolSources().stream()
                .collect(Collectors.groupingBy(pool -> pool.server().toString(), LinkedHashMap::new, Collectors.counting()));
        pools.forEach((pool, times) -> {
            if (times > 1) {
                warnings.add("pool " + pool + " is configured " + times + " times: its members are asked once and vote once");
            }
        });
        return warnings;
    }

    /** The sampler's settings; the sources' intervals age at the same drift bound as the clock they discipline. */
    public SamplerConfig sampler() {
        return new SamplerConfig(settings.sources(), settings.pools(), settings.pollSeconds(), settings.iburst(),
                settings.sampler(), settings.nodeName(), settings.discipline().maxDriftPpm());
    }

    /**
     * The selector's settings. Its sources are named as the sampler names them (host:port, a pool's host:port#i):
     * every pool member is a voter from the start, so a pool cannot shrink the majority before it answers. It ages
     * the sources' intervals as the sampler does, and believes a leap on the days the discipline does.
     */
    public SelectorSettings selector() {
        return new SelectorSettings(settings.nodeName(), settings.selector(), sampler().sourceNames(),
                settings.discipline().maxDriftPpm(), settings.discipline().leapDays());
    }

    /** The discipline's settings (the config section "discipline"). */
    public DisciplineSettings discipline() {
        return settings.discipline();
    }

    /** The HTTP API's settings. */
    public ApiSettings api() {
        return new ApiSettings(settings.httpHost(), settings.httpPort(), ApiSettings.DEFAULTS.selectorTimeoutMillis(),
                ApiSettings.DEFAULTS.readyMaxErrorBoundSeconds(), settings.http());
    }

    /** The NTP server's settings, or null when no {@code ntpPort} is configured (no NTP server). */
    public NtpServerSettings ntp() {
        return settings.ntpPort() == null ? null
                : new NtpServerSettings(settings.ntpPort(), settings.ntpHost(), settings.ntpRateLimit(), false);
    }
}
