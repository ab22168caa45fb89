package io.timemesh.api;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Asks GET /health/live on a new connection every {@link #PERIOD_MILLIS} while an attack runs, as a supervisor's
 * liveness probe would, and keeps each answer's latency (or that there was none within a second).
 */
final class LiveProbe implements AutoCloseable {
    static final int PERIOD_MILLIS = 50;
    private static final int TIMEOUT_MILLIS = 1_000;
    private static final byte[] REQUEST = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private final int port;
    private final List<Long> latenciesMillis = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean running = true;

    LiveProbe(int port) {
        this.port = port;
        thread = new Thread(this::run, "live-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            long start = System.nanoTime();
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                socket.setSoTimeout(TIMEOUT_MILLIS);
                socket.getOutputStream().write(REQUEST);
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                if (answer.startsWith("HTTP/1.1 200")) {
                    latenciesMillis.add((System.nanoTime() - start) / 1_000_000);
                } else {
                    failures.add("answered: " + answer.lines().findFirst().orElse("nothing"));
                }
            } catch (IOException e) {
                failures.add(e.toString());
            }
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Probes failed (no 200 within a second), as "what happened" lines. */
    List<String> failures() {
        return List.copyOf(failures);
    }

    /** The answered probes' latencies, ms, sorted. */
    List<Long> latencies() {
        List<Long> sorted = new ArrayList<>(latenciesMillis);
        Collections.sort(sorted);
        return sorted;
    }

    /** The p-quantile (0..1) of the answered probes' latency, ms. */
    long quantile(double p) {
        List<Long> sorted = latencies();
        return sorted.isEmpty() ? Long.MAX_VALUE : sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
