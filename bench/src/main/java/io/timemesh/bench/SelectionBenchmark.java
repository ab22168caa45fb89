package io.timemesh.bench;

import io.timemesh.core.time.OffsetInterval;
import io.timemesh.selector.Candidate;
import io.timemesh.selector.Intersection;
import io.timemesh.selector.IntervalSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Marzullo's intersection over n intervals: 70 % honest ones covering the truth (0) with radii from
 * 1 to 50 ms, 30 % liars anywhere within ±2 s. The target is ≤ 1 ms at 10,000 and n log n growth.
 * Run: {@code java -cp bench/target/timemesh-bench.jar org.openjdk.jmh.Main SelectionBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SelectionBenchmark {

    @Param({"10", "100", "1000", "10000"})
    public int intervals;

    private List<Candidate> candidates;

    @Setup
    public void setUp() {
        Random random = new Random(42);
        candidates = new ArrayList<>(intervals);
        for (int i = 0; i < intervals; i++) {
            if (i % 10 < 7) {
                double radius = 0.001 + random.nextDouble() * 0.049;
                double offset = (random.nextDouble() * 2 - 1) * radius; // still covers 0
                candidates.add(new Candidate("h" + i, OffsetInterval.around(offset, radius), 2, false));
            } else {
                double offset = (random.nextDouble() * 2 - 1) * 2;
                candidates.add(new Candidate("l" + i, OffsetInterval.around(offset, 0.001 + random.nextDouble() * 0.05),
                        2, false));
            }
        }
    }

    @Benchmark
    public Intersection select() {
        return IntervalSelector.select(candidates);
    }
}
