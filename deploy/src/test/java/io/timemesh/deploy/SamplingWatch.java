package io.timemesh.deploy;

import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Who samples which source, seen from both ends: the selector's /sources (the sampler of each
 * source's newest sample and its age) and the simulated servers' logs of which client socket asked
 * them (one socket per sampler process). Records every source lost: without a sampler, or its
 * newest sample older than the bound the scenario allows.
 */
final class SamplingWatch {
    private final List<SimulatedNtpServer> servers;
    final List<String> violations = new ArrayList<>();
    /** When each source's newest sample was first seen without an age (its sampler's timebase not yet measured). */
    private final Map<String, Long> unrelatedSince = new HashMap<>();
    /** The oldest newest-sample seen, for the report. */
    double oldestSampleSeconds;

    SamplingWatch(List<SimulatedNtpServer> servers) {
        this.servers = servers;
    }

    /**
     * Source → its sampler node as /sources says. Every source must have one and a sample at most
     * {@code maxAgeSeconds} old; a sample from a sampler the selector is still measuring the timebase
     * to has no age yet, which may last no longer.
     */
    Map<String, String> samplers(JsonArray sources, double maxAgeSeconds) {
        Map<String, String> samplers = new HashMap<>();
        for (Object o : sources) {
            JsonObject source = (JsonObject) o;
            String address = source.getString("address");
            String sampler = source.getString("samplerNode");
            Double age = source.getDouble("lastSampleAgeSeconds");
            if (age != null) {
                unrelatedSince.remove(address);
                oldestSampleSeconds = Math.max(oldestSampleSeconds, age);
            } else if (sampler != null) {
                unrelatedSince.putIfAbsent(address, System.nanoTime());
            }
            Long since = unrelatedSince.get(address);
            double unrelatedSeconds = since == null ? 0 : (System.nanoTime() - since) / 1e9;
            if (sampler == null || (age != null && age > maxAgeSeconds) || unrelatedSeconds > maxAgeSeconds) {
                violations.add(address + " lost: sampler " + sampler + ", newest sample " + age + " s old (bound "
                        + maxAgeSeconds + " s), " + source.getString("state") + ": " + source.getString("reason"));
            }
            samplers.put(address, sampler);
        }
        return samplers;
    }

    /** Which client sockets asked each server since {@code sinceNanos} (on the servers' truth timescale). */
    static Map<String, Set<String>> pollersSince(List<SimulatedNtpServer> servers, long sinceNanos) {
        Map<String, Set<String>> pollers = new HashMap<>();
        for (SimulatedNtpServer server : servers) {
            pollers.put(server.hostPort(), server.requests().stream().filter(r -> r.trueNanos() >= sinceNanos)
                    .map(SimulatedNtpServer.Request::client).collect(Collectors.toSet()));
        }
        return pollers;
    }

    /**
     * Every server's one client socket over the last window, once every server was asked by exactly one client
     * during a window of {@code windowSeconds} (longer than a poll) and {@code samplers} clients share them: a
     * fixed wait would take the share while sources are still moving between samplers joining on a loaded machine.
     *
     * @param truth the servers' truth timescale
     * @return server host:port → client host:port
     * @throws AssertionError if no window within {@code limitSeconds} was steady
     */
    static Map<String, String> steadyOwners(List<SimulatedNtpServer> servers, MonotonicTimescale truth, int samplers,
                                            double windowSeconds, int limitSeconds) throws InterruptedException {
        long deadline = truth.nowNanos() + TimeUnit.SECONDS.toNanos(limitSeconds);
        while (true) {
            long since = truth.nowNanos();
            TimeUnit.NANOSECONDS.sleep((long) (windowSeconds * 1e9));
            Map<String, Set<String>> pollers = pollersSince(servers, since);
            Map<String, String> owners = new HashMap<>();
            pollers.forEach((server, set) -> owners.put(server, set.size() == 1 ? set.iterator().next() : null));
            if (!owners.containsValue(null) && Set.copyOf(owners.values()).size() == samplers) {
                return owners;
            }
            if (truth.nowNanos() > deadline) {
                throw new AssertionError("not one sampler per source among " + samplers + " within " + limitSeconds
                        + " s: " + pollers);
            }
        }
    }

    /**
     * The client socket of every sampler since {@code sinceNanos}, given who samples what: each source
     * must have been asked by exactly one client, the same for all of a sampler's sources.
     */
    Map<String, String> clientsSince(long sinceNanos, Map<String, String> samplers) {
        Map<String, String> clients = new HashMap<>();
        pollersSince(servers, sinceNanos).forEach((source, pollers) -> {
            if (pollers.size() != 1) {
                violations.add(source + " asked by " + pollers.size() + " samplers: " + pollers);
                return;
            }
            String client = pollers.iterator().next();
            String previous = clients.putIfAbsent(samplers.get(source), client);
            if (previous != null && !previous.equals(client)) {
                violations.add(samplers.get(source) + " polls from two sockets: " + previous + " and " + client);
            }
        });
        return clients;
    }

    /**
     * Seconds from {@code sinceNanos} until a client other than {@code gone} first asked {@code source};
     * infinite if none has.
     */
    double takenOverAfter(String source, String gone, long sinceNanos) {
        long first = server(source).requests().stream().filter(r -> r.trueNanos() >= sinceNanos && !r.client().equals(gone))
                .mapToLong(SimulatedNtpServer.Request::trueNanos).min().orElse(Long.MAX_VALUE);
        return first == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : (first - sinceNanos) / 1e9;
    }

    /**
     * Records every source that a client asked again after another had asked it since {@code sinceNanos}:
     * with one move at most per membership change, a source goes from one sampler to the next and
     * never back, so a return means two samplers polled it at once.
     */
    void checkNoInterleaving(long sinceNanos) {
        for (SimulatedNtpServer server : servers) {
            List<String> runs = new ArrayList<>();
            for (SimulatedNtpServer.Request request : server.requests()) {
                if (request.trueNanos() >= sinceNanos && (runs.isEmpty() || !runs.get(runs.size() - 1).equals(request.client()))) {
                    runs.add(request.client());
                }
            }
            if (runs.stream().distinct().count() != runs.size()) {
                violations.add(server.hostPort() + " asked by alternating samplers: " + runs);
            }
        }
    }

    /** How often {@code client} asked any server since {@code sinceNanos}. */
    long requestsBy(String client, long sinceNanos) {
        return servers.stream().flatMap(s -> s.requests().stream())
                .filter(r -> r.trueNanos() >= sinceNanos && r.client().equals(client)).count();
    }

    private SimulatedNtpServer server(String source) {
        return servers.stream().filter(s -> s.hostPort().equals(source)).findFirst().orElseThrow();
    }
}
