package io.timemesh.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Per-client rate limiting in the spirit of chrony's {@code ratelimit}: each client address earns a
 * credit every 2^intervalLog2 seconds up to {@code burst}; a request spends one. Without credit the
 * request is limited, except that one in 2^leak is answered anyway, so a client behind a busy NAT is
 * slowed rather than cut off. Time comes in as a parameter. At most {@code maxClients} are tracked,
 * the least recently seen forgotten first.
 */
public final class ClientRateLimiter {
    /** What to do with one request. */
    public enum Verdict { ANSWER, LIMIT }

    /** How many client addresses are tracked at most. */
    static final int MAX_CLIENTS = 65_536;

    private final double intervalSeconds;
    private final int burst;
    private final int leak;
    private final RandomGenerator random;
    private final Map<String, double[]> clients;

    public ClientRateLimiter(int intervalLog2, int burst, int leak, int maxClients, RandomGenerator random) {
        if (intervalLog2 < -4 || intervalLog2 > 12 || burst < 1 || burst > 255 || leak < 0 || leak > 4 || maxClients < 1) {
            throw new IllegalArgumentException("rate limit: interval -4..12, burst 1..255, leak 0..4, maxClients >= 1");
        }
        this.intervalSeconds = Math.scalb(1.0, intervalLog2);
        this.burst = burst;
        this.leak = leak;
        this.random = random;
        this.clients = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
                return size() > maxClients;
            }
        };
    }

    /** The limiter an {@code ntpRateLimit} section describes, tracking up to {@link #MAX_CLIENTS} clients. */
    public static ClientRateLimiter of(NtpRateLimit limit, RandomGenerator random) {
        return new ClientRateLimiter(limit.interval(), limit.burst(), limit.leak(), MAX_CLIENTS, random);
    }

    public Verdict check(String client, long nowNanos) {
        double now = nowNanos / 1e9;
        double[] state = clients.computeIfAbsent(client, c -> new double[] {burst, now}); // {credit, last}
        state[0] = Math.min(burst, state[0] + Math.max(0, now - state[1]) / intervalSeconds);
        state[1] = now;
        if (state[0] >= 1) {
            state[0] -= 1;
            return Verdict.ANSWER;
        }
        return leak > 0 && random.nextInt(1 << leak) == 0 ? Verdict.ANSWER : Verdict.LIMIT;
    }
}
