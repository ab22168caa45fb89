package io.timemesh.sampler;

import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.exchange.FilteredEstimate;
import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.time.TimeSource;
import io.timemesh.sampler.nts.NtsSourceSettings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A one-shot measurement of some servers, in the spirit of ntpdig: a few exchanges with each, all
 * servers in parallel, through the same {@link SourcePoller} and clock filter the sampler uses; with NTS
 * (RFC 8915, as ntpdig's and rkik's NTS modes), each server's NTS-KE first and only authenticated replies.
 */
public final class NtpQuery {
    private NtpQuery() {}

    /**
     * The outcome for one server.
     *
     * @param address  what the name resolved to ("ip:port"), or null
     * @param estimate the clock filter's estimate, or null when no exchange succeeded
     * @param samples  every accepted exchange, in order
     * @param failure  why there is no estimate, or null when there is one
     */
    public record Result(String server, String address, FilteredEstimate estimate, List<NtpSample> samples,
                         ExchangeFailure failure) {

        public Result {
            samples = List.copyOf(samples);
        }

        public int accepted() {
            return samples.size();
        }

        public boolean ok() {
            return estimate != null;
        }
    }

    /** Queries every server; the future never fails, each server's problem is in its result. */
    public static Future<List<Result>> run(Vertx vertx, TimeSource clock, int precisionLog2, List<ServerAddress> servers,
                                           int samples, Duration timeout, Duration spacing) {
        return run(vertx, clock, precisionLog2, HostResolver.SYSTEM, servers, samples, timeout, spacing);
    }

    public static Future<List<Result>> run(Vertx vertx, TimeSource clock, int precisionLog2, HostResolver resolver,
                                           List<ServerAddress> servers, int samples, Duration timeout,
                                           Duration spacing) {
        return run(vertx, clock, precisionLog2, resolver, servers, null, samples, timeout, spacing);
    }

    /**
     * As the other runs, with every server authenticated by NTS when {@code nts} is given: NTS-KE at the
     * server's host and {@code nts}'s port, then NTP where the KE says. A failed KE is the server's failure.
     *
     * @param nts the NTS-KE port and trust for every server, or null for plain NTP
     */
    public static Future<List<Result>> run(Vertx vertx, TimeSource clock, int precisionLog2, HostResolver resolver,
                                           List<ServerAddress> servers, NtsSourceSettings nts, int samples,
                                           Duration timeout, Duration spacing) {
        Promise<List<Result>> promise = Promise.promise();
        Context context = vertx.getOrCreateContext();
        NtsKeyExchanges keyExchanges = new NtsKeyExchanges(vertx, clock);
        context.runOnContext(v -> NtpClientSocket.open(vertx, clock, "0.0.0.0", resolver).compose(socket -> {
            List<Future<Result>> each = new ArrayList<>();
            for (ServerAddress server : servers) {
                SourcePoller poller = new SourcePoller(server.toString(),
                        new PollSchedule(NtpConstants.MIN_POLL_SECONDS, false), precisionLog2, NtpConstants.PHI, nts != null);
                Future<InetSocketAddress> target = nts == null
                        ? socket.resolve(server.host()).map(ip -> new InetSocketAddress(ip, server.port()))
                        : keyExchanges.target(socket, poller, server, nts);
                each.add(query(vertx, socket, server, target, poller, samples, timeout, spacing));
            }
            return Future.join(each)
                    .transform(done -> socket.close().map(closed -> each.stream().map(Future::result).toList()));
        }).onComplete(promise));
        return promise.future();
    }

    private static Future<Result> query(Vertx vertx, NtpClientSocket socket, ServerAddress server,
                                        Future<InetSocketAddress> resolving, SourcePoller poller, int samples,
                                        Duration timeout, Duration spacing) {
        return resolving.transform(resolved -> {
            if (resolved.failed()) {
                ExchangeFailure failure = resolved.cause() instanceof ExchangeFailureException f ? f.failure()
                        : new ExchangeFailure(ExchangeError.UNKNOWN_HOST, server.host());
                return Future.succeededFuture(new Result(server.toString(), null, null, List.of(), failure));
            }
            InetSocketAddress target = resolved.result();
            String address = target.getAddress().getHostAddress() + ":" + target.getPort();
            Tally tally = new Tally();
            return exchanges(vertx, socket, poller, target, samples, timeout, spacing, tally).map(done ->
                    new Result(server.toString(), address, tally.latest, tally.samples,
                            tally.latest == null ? poller.lastFailure() : null));
        });
    }

    /**
     * Runs up to {@code remaining} exchanges one after another; stops early on a kiss-o'-death, or when an NTS
     * server's cookies ran out (an NTS NAK, or replies lost).
     */
    private static Future<Void> exchanges(Vertx vertx, NtpClientSocket socket, SourcePoller poller,
                                             InetSocketAddress target, int remaining, Duration timeout,
                                             Duration spacing, Tally tally) {
        return socket.exchange(poller, target, timeout).compose(step -> {
            if (step instanceof ExchangeStep.Sampled sampled) {
                tally.samples.add(sampled.sample());
                tally.latest = sampled.estimate().filtered();
            }
            boolean kissed = step instanceof ExchangeStep.Failed failed && failed.failure().error() == ExchangeError.KISS;
            if (remaining <= 1 || kissed || poller.needsKeyExchange()) {
                return Future.succeededFuture();
            }
            return vertx.timer(spacing.toMillis())
                    .compose(t -> exchanges(vertx, socket, poller, target, remaining - 1, timeout, spacing, tally));
        });
    }

    /** What the exchanges with one server gave so far. */
    private static final class Tally {
        final List<NtpSample> samples = new ArrayList<>();
        FilteredEstimate latest;
    }
}
