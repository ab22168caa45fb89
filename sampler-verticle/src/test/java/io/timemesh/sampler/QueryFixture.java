package io.timemesh.sampler;

import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;

/** One Vert.x for a test class and a one-server {@link NtpQuery} on it. */
final class QueryFixture implements AutoCloseable {
    private final Vertx vertx;
    private final int precision = MonotonicTimescale.measurePrecisionLog2();

    QueryFixture() {
        this(Vertx.vertx());
    }

    /** On {@code vertx}, which {@link #close} closes. */
    QueryFixture(Vertx vertx) {
        this.vertx = vertx;
    }

    NtpQuery.Result query(TimeSource clock, String hostPort, int samples, Duration timeout, Duration spacing) {
        List<NtpQuery.Result> results = NtpQuery.run(vertx, clock, precision, List.of(ServerAddress.parse(hostPort)),
                samples, timeout, spacing).await();
        if (results.size() != 1) {
            throw new AssertionError("one result expected, got " + results);
        }
        return results.get(0);
    }

    Vertx vertx() {
        return vertx;
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
