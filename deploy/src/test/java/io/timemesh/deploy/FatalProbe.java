package io.timemesh.deploy;

import com.hazelcast.instance.impl.OutOfMemoryErrorDispatcher;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A process for {@link FatalErrorsTest}: installs {@link FatalErrors} as {@code timemesh run} does, then breaks
 * itself the way its argument names. It exits 0 only when nothing it did was fatal within 4 s.
 */
public final class FatalProbe {
    private static final List<byte[]> HOARD = new ArrayList<>();

    private FatalProbe() {
    }

    public static void main(String[] args) throws Exception {
        FatalErrors.installProcessWide();
        Vertx vertx = Vertx.vertx();
        FatalErrors.watch(vertx, Duration.ofSeconds(2));
        switch (args[0]) {
            case "healthy" -> vertx.setPeriodic(10, id -> HOARD.clear());
            case "thrown-in-handler" -> vertx.runOnContext(v -> {
                throw new OutOfMemoryError("Java heap space (simulated)");
            });
            case "uncaught-in-thread" -> new Thread(() -> {
                throw new OutOfMemoryError("Java heap space (simulated)");
            }, "worker-probe").start();
            case "hazelcast" -> OutOfMemoryErrorDispatcher.onOutOfMemory(new OutOfMemoryError("simulated"));
            // As Netty's event loop does with what a task throws: the error is caught and the heap stays full.
            case "heap-full-swallowed" -> new Thread(() -> {
                while (true) {
                    try {
                        HOARD.add(new byte[64 * 1024]);
                    } catch (OutOfMemoryError swallowed) {
                        Thread.onSpinWait();
                    }
                }
            }, "hoarder").start();
            case "deaf-event-loop" -> vertx.runOnContext(v -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            default -> throw new IllegalArgumentException(args[0]);
        }
        Thread.sleep(4_000);
        vertx.close().await();
        System.exit(0);
    }
}
