package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The registry set-up alone; ImageLayoutIT runs promtool on a whole node's /metrics. */
class NodeMetricsTest {

    @Test
    void micrometersJvmSeriesComeOutInPrometheusNamingWithTheBuildInfo() {
        PrometheusMeterRegistry registry = NodeMetrics.registry(new BuildInfo("1.2.3", "abc"));
        new ProcessorMetrics().bindTo(registry); // what Vert.x binds with JVM metrics on
        new JvmCompilationMetrics().bindTo(registry);
        String scrape = registry.scrape();
        assertThat(scrape).contains("system_cpus ", "process_cpu_seconds_total ", "jvm_compilation_seconds_total ",
                "timemesh_build_info{commit=\"abc\",version=\"1.2.3\"} 1");
        assertThat(scrape).doesNotContain("system_cpu_count", "_ns_total", "_ms_total");
        double cpu = registry.get("process.cpu").functionCounter().count();
        double osSeconds = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos() / 1e9;
        assertThat(cpu).isPositive().isLessThan(osSeconds + 1); // seconds, not nanoseconds
    }
}
