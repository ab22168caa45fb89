package io.timemesh.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.timemesh.core.exchange.FilteredEstimate;
import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.time.OffsetInterval;
import io.timemesh.sampler.NtpQuery;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How {@code timemesh query} prints its results: a table for people, a JSON array for scripts. */
final class QueryReport {
    private QueryReport() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String ROW = "%-22s %2s %-15s %-6s %13s %11s %11s %11s %11s  %s%n";

    static String table(List<NtpQuery.Result> results) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, ROW, "SERVER", "ST", "REFID", "LEAP", "OFFSET(s)", "DELAY(s)",
                "DISP(s)", "JITTER(s)", "ROOTDIST(s)", "INTERVAL(s)"));
        for (NtpQuery.Result result : results) {
            FilteredEstimate estimate = result.estimate();
            if (estimate == null) {
                out.append(String.format(Locale.ROOT, "%-22s error: %s%n", result.server(), result.failure().message()));
                continue;
            }
            NtpSample best = estimate.best();
            OffsetInterval interval = estimate.interval();
            out.append(String.format(Locale.ROOT, ROW, result.server(), best.stratum(), best.referenceId(),
                    best.leap().label(), String.format(Locale.ROOT, "%+.9f", best.offsetSeconds()),
                    fixed(best.delaySeconds()), fixed(estimate.dispersionSeconds()), fixed(estimate.jitterSeconds()),
                    fixed(estimate.rootDistanceSeconds()),
                    String.format(Locale.ROOT, "[%+.6f, %+.6f]", interval.low(), interval.high())));
        }
        return out.toString();
    }

    static String json(List<NtpQuery.Result> results) {
        List<Map<String, Object>> array = results.stream().map(QueryReport::jsonObject).toList();
        try {
            return JSON.writeValueAsString(array) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> jsonObject(NtpQuery.Result result) {
        Map<String, Object> object = new LinkedHashMap<>();
        FilteredEstimate estimate = result.estimate();
        NtpSample best = estimate == null ? null : estimate.best();
        object.put("server", result.server());
        object.put("address", result.address());
        object.put("offsetSeconds", best == null ? null : best.offsetSeconds());
        object.put("delaySeconds", best == null ? null : best.delaySeconds());
        object.put("dispersionSeconds", estimate == null ? null : estimate.dispersionSeconds());
        object.put("jitterSeconds", estimate == null ? null : estimate.jitterSeconds());
        object.put("rootDelaySeconds", best == null ? null : best.rootDelaySeconds());
        object.put("rootDispersionSeconds", best == null ? null : best.rootDispersionSeconds());
        object.put("rootDistanceSeconds", estimate == null ? null : estimate.rootDistanceSeconds());
        object.put("intervalLowSeconds", estimate == null ? null : estimate.interval().low());
        object.put("intervalHighSeconds", estimate == null ? null : estimate.interval().high());
        object.put("stratum", best == null ? null : best.stratum());
        object.put("refid", best == null ? null : best.referenceId());
        object.put("leap", best == null ? null : best.leap().label());
        object.put("samples", result.accepted());
        object.put("error", result.failure() == null ? null : result.failure().message());
        return object;
    }

    private static String fixed(double seconds) {
        return String.format(Locale.ROOT, "%.9f", seconds);
    }
}
