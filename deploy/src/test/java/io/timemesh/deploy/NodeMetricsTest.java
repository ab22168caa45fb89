package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.message.Reference;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.metrics.NodeCounters.NtpOutcome;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.time.OffsetInterval;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The registry set-up and the node's counters; ImageLayoutIT runs promtool on a whole node's /metrics too. */
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

    @Test
    void countersStartAtZeroCountWhatTheyAreToldAndPassPromtool() throws Exception {
        PrometheusMeterRegistry registry = NodeMetrics.registry(new BuildInfo("1.2.3", "abc"));
        NodeCounters counters = new MicrometerCounters(registry);
        String before = registry.scrape();
        assertThat(before).contains("timemesh_ntp_requests_total{outcome=\"dropped\",reason=\"malformed\"} 0.0",
                "timemesh_exchanges_total{outcome=\"kiss_deny\"} 0.0", "timemesh_clock_steps_total{direction=\"backward\"} 0.0",
                "timemesh_selections_total{status=\"no_majority\"} 0.0");

        counters.ntpRequest(NtpOutcome.ANSWERED);
        counters.ntpRequest(NtpOutcome.ANSWERED);
        counters.ntpRequest(NtpOutcome.RATE_LIMITED_KISS);
        counters.exchange(NodeCounters.EXCHANGE_OK);
        counters.exchange(NodeCounters.exchangeOutcome(new ExchangeFailure(ExchangeError.KISS, "RATE")));
        counters.clockStep(true);
        counters.selection(reference(Reference.Status.MAJORITY, List.of("127.0.0.9:123")));
        counters.selection(reference(Reference.Status.MAJORITY, List.of("127.0.0.9:123")));
        counters.selection(reference(Reference.Status.NO_MAJORITY, List.of()));
        assertThatThrownBy(() -> counters.exchange("made up")).isInstanceOf(IllegalArgumentException.class);
        String scrape = registry.scrape();
        assertThat(scrape).contains("timemesh_ntp_requests_total{outcome=\"answered\",reason=\"served\"} 2.0",
                "timemesh_ntp_requests_total{outcome=\"rate_limited\",reason=\"kiss_of_death\"} 1.0",
                "timemesh_exchanges_total{outcome=\"ok\"} 1.0", "timemesh_exchanges_total{outcome=\"kiss_rate\"} 1.0",
                "timemesh_clock_steps_total{direction=\"forward\"} 1.0",
                "timemesh_selections_total{status=\"majority\"} 2.0", "timemesh_selections_total{status=\"no_majority\"} 1.0",
                "timemesh_falseticker_verdicts_total{source=\"127.0.0.9:123\"} 2.0",
                "timemesh_falseticker_verdicts_total{source=\"a\"} 0.0"); // every source named, at 0 until its first

        Path promtool = Path.of("/usr/bin/promtool");
        assertThat(promtool).as("promtool (Debian package prometheus; scripts/install-test-deps installs it)").isExecutable();
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = check.getOutputStream()) {
            in.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(output).as("promtool check metrics").isBlank();
        assertThat(check.exitValue()).isZero();
    }

    private static Reference reference(Reference.Status status, List<String> falsetickers) {
        return new Reference(new Reference.Identity("sel", 1, 0, 0), status, 0,
                (status == Reference.Status.MAJORITY ? new OffsetInterval(0, 0) : null), new OffsetInterval(0, 0),
                new Reference.Vote(3, 4, List.of("a", "b", "c"), falsetickers, List.of()),
                new Reference.Peer(2, LeapIndicator.NO_WARNING, "a", null, 0));
    }
}
