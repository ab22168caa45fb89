package io.timemesh.deploy;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Set;

/**
 * The node's Prometheus registry, set up so its whole {@code /metrics} passes {@code promtool check metrics}
 * (Prometheus's naming conventions: base units spelled out, {@code _count} only on summaries and histograms),
 * with {@code timemesh_build_info}. Micrometer's JVM binders, which Vert.x registers, break the conventions
 * three times; a meter filter renames or replaces those before they are created:
 * <ul>
 *   <li>{@code system.cpu.count} ({@code system_cpu_count}, a gauge) becomes {@code system_cpus};</li>
 *   <li>{@code process.cpu.time} (nanoseconds, {@code process_cpu_time_ns_total}) and
 *       {@code jvm.compilation.time} (milliseconds, {@code jvm_compilation_time_ms_total}) are denied and
 *       registered again in seconds: {@code process_cpu_seconds_total} (the name Prometheus's own client
 *       libraries use) and {@code jvm_compilation_seconds_total}.</li>
 * </ul>
 */
final class NodeMetrics {
    private static final Set<String> REPLACED = Set.of("process.cpu.time", "jvm.compilation.time");

    private NodeMetrics() {
    }

    /** A new registry for one node, with the filters above, the replacement counters and the build info. */
    static PrometheusMeterRegistry registry(BuildInfo build) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config()
                .meterFilter(MeterFilter.deny(id -> REPLACED.contains(id.getName())))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
                    }
                });
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, b -> b.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the JVM process").register(registry);
        }
        CompilationMXBean compilation = ManagementFactory.getCompilationMXBean();
        if (compilation != null && compilation.isCompilationTimeMonitoringSupported()) {
            FunctionCounter.builder("jvm.compilation", compilation, c -> c.getTotalCompilationTime() / 1e3)
                    .baseUnit("seconds").description("Time the JIT compiler spent compiling").register(registry);
        }
        // Dotted, ending in ".info": Micrometer then writes a Prometheus info metric, timemesh_build_info.
        Gauge.builder("timemesh.build.info", () -> 1).tags("version", build.version(), "commit", build.commit())
                .description("1, labelled with this node's version and the git commit it was built from")
                .register(registry);
        return registry;
    }
}
