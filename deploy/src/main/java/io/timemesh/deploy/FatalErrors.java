package io.timemesh.deploy;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.OutOfMemoryHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.timemesh.core.FatalError;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node that can no longer serve exits, so that its supervisor (systemd's {@code Restart=on-failure}, a
 * Kubernetes liveness probe) starts it again, rather than staying alive but deaf: an out-of-memory error
 * wherever it is thrown (Vert.x and Netty catch and log what handlers throw, Hazelcast shuts its member down),
 * a thread it kills, and an event loop that died or runs nothing for {@code deafAfter}. The JVM's
 * {@code -XX:+ExitOnOutOfMemoryError} does the first more thoroughly (at the failed allocation itself), but
 * cannot be set from the jar's manifest, so this does it from inside.
 */
public final class FatalErrors {
    private static final Logger LOG = LoggerFactory.getLogger(FatalErrors.class);

    /** The exit status of a node that stopped because it could no longer serve (as the JVM's own OOM exit). */
    public static final int EXIT_STATUS = 3;
    /** An event loop that runs nothing for this long is taken as dead (Vert.x warns after 2 s). */
    public static final Duration DEAF_AFTER = Duration.ofSeconds(30);

    private FatalErrors() {
    }

    /**
     * Whether the error leaves the JVM unfit to go on: any {@link VirtualMachineError} (out of memory,
     * internal error) but a stack overflow, which unwinds cleanly and is a request's problem only.
     */
    static boolean fatal(Throwable error) {
        return FatalError.in(error);
    }

    /**
     * What ended the node. Constants, resolved when the class is set up: on a full heap even a string literal's
     * first use allocates, and the exit must not depend on an allocation.
     */
    enum Cause {
        UNCAUGHT("uncaught in thread"),
        HAZELCAST("Hazelcast ran out of memory"),
        HANDLER("thrown in a Vert.x handler"),
        LOOP_SHUT_DOWN("event loop shut down while the node runs:"),
        LOOP_DEAF("event loop ran nothing for as long as");

        private final String text;

        Cause(String text) {
            this.text = text;
        }
    }

    /**
     * The line when even building the real one fails; not a compile-time constant, so that it exists from the
     * start rather than being made at its first use, on a full heap.
     */
    private static final String OUT_OF_MEMORY_LINE =
            new String("fatal: out of memory; exiting with status " + EXIT_STATUS + " so that the node is restarted");

    /**
     * The fallback line, encoded, and standard error without a Java buffer: writing them allocates nothing on
     * the heap, so the line gets out even while another thread takes every byte the reserve frees (a thread
     * that swallows its own OutOfMemoryErrors and allocates again).
     */
    private static final byte[] OUT_OF_MEMORY_BYTES =
            (OUT_OF_MEMORY_LINE + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);
    private static final FileOutputStream STDERR = new FileOutputStream(FileDescriptor.err);

    /** Freed first thing on the way out, so that the last log line finds room on a full heap. */
    private static volatile byte[] reserve = new byte[1 << 20];

    /**
     * Passed once through every handler on the way to an exit when it is installed. On a full heap even the first
     * call of a method can fail for want of memory, before its first line runs (measured: a handler never called
     * before could not reach {@code halt}); a handler called once before could.
     */
    private static final OutOfMemoryError WARM_UP = new OutOfMemoryError("warm-up, not an error");

    /**
     * Logs one line and halts the JVM with {@link #EXIT_STATUS}, skipping shutdown hooks, which could hang on a
     * broken heap or event loop. Never returns, but for {@link #WARM_UP}. The line is put together inside the
     * guard: with the heap full, building it may itself fail, and the halt must still come.
     *
     * @param detail what it happened to (a thread, an event loop, a pool), or null
     * @param error  the error, or null
     */
    static void exit(Cause cause, Object detail, Throwable error) {
        if (error == WARM_UP) {
            return;
        }
        try {
            reserve = null;
            String line = line(cause, detail, error);
            System.err.println(line);
            LOG.error(line);
        } catch (Throwable noRoomForTheMessage) {
            try {
                STDERR.write(OUT_OF_MEMORY_BYTES);
            } catch (Throwable noRoomAtAll) {
                // the status says it
            }
        } finally {
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }

    private static String line(Cause cause, Object detail, Throwable error) {
        return "fatal: " + cause.text + (detail == null ? "" : " " + detail) + (error == null ? "" : ": " + error)
                + "; exiting with status " + EXIT_STATUS + " so that the node is restarted";
    }

    /**
     * The process-wide part, once per process before the node starts: uncaught errors in any thread and
     * Hazelcast's out-of-memory handler.
     */
    public static void installProcessWide() {
        line(Cause.UNCAUGHT, null, WARM_UP); // links the string building while there is memory
        try {
            STDERR.write(OUT_OF_MEMORY_BYTES, 0, 0); // links the native write while there is memory
        } catch (IOException e) {
            throw new UncheckedIOException("standard error", e);
        }
        exit(Cause.UNCAUGHT, null, WARM_UP);
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.UncaughtExceptionHandler uncaught = (thread, error) -> {
            if (fatal(error)) {
                exit(Cause.UNCAUGHT, thread, error);
            } else if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                LOG.error("uncaught exception in thread {}", thread.getName(), error);
            }
        };
        uncaught.uncaughtException(Thread.currentThread(), WARM_UP);
        Thread.setDefaultUncaughtExceptionHandler(uncaught);
        OutOfMemoryHandler hazelcast = new OutOfMemoryHandler() {
            @Override
            public void onOutOfMemory(OutOfMemoryError error, HazelcastInstance[] instances) {
                exit(Cause.HAZELCAST, null, error);
            }
        };
        hazelcast.onOutOfMemory(WARM_UP, new HazelcastInstance[0]);
        Hazelcast.setOutOfMemoryHandler(hazelcast);
    }

    /**
     * The Vert.x part: errors its handlers throw, and a watchdog that pings every event loop each second; a loop
     * that is shut down while Vert.x is not closing, or that has run nothing for {@code deafAfter}, ends the
     * process. The watchdog stops when the Vert.x instance closes.
     */
    public static void watch(Vertx vertx, Duration deafAfter) {
        Handler<Throwable> handler = error -> {
            if (fatal(error)) {
                exit(Cause.HANDLER, null, error);
            } else {
                LOG.error("unhandled exception in a Vert.x handler", error);
            }
        };
        handler.handle(WARM_UP);
        vertx.exceptionHandler(handler);
        VertxInternal internal = (VertxInternal) vertx;
        List<EventExecutor> loops = new ArrayList<>();
        for (EventLoopGroup group : List.of(internal.nettyEventLoopGroup(), internal.acceptorEventLoopGroup())) {
            group.forEach(loops::add);
        }
        long[] pingedAt = new long[loops.size()]; // 0: no ping outstanding
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "timemesh-event-loop-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        watchdog.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            for (int i = 0; i < loops.size(); i++) {
                EventExecutor loop = loops.get(i);
                if (loop.isShuttingDown()) {
                    exit(Cause.LOOP_SHUT_DOWN, loop, null);
                }
                synchronized (pingedAt) {
                    if (pingedAt[i] != 0 && now - pingedAt[i] > deafAfter.toNanos()) {
                        exit(Cause.LOOP_DEAF, deafAfter, null);
                    }
                    if (pingedAt[i] == 0) {
                        pingedAt[i] = now;
                        int index = i;
                        loop.execute(() -> {
                            synchronized (pingedAt) {
                                pingedAt[index] = 0;
                            }
                        });
                    }
                }
            }
        }, 1, 1, TimeUnit.SECONDS);
        internal.addCloseHook(completion -> {
            watchdog.shutdownNow();
            completion.succeed();
        });
    }
}
