package io.timemesh.sampler;

import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.nts.NtsClientSession;
import io.timemesh.core.time.TimeSource;
import io.timemesh.sampler.nts.NtsKeClient;
import io.timemesh.sampler.nts.NtsSourceSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an NTS source's next exchange goes (RFC 8915 §4-5), for the sampler and {@code timemesh query}:
 * the NTP server and port its last NTS-KE named, after running NTS-KE when its poller has no cookie left.
 * The blocking KE runs on a worker thread with {@link #KE_TIMEOUT}, never on the event loop.
 */
final class NtsKeyExchanges {
    private static final Logger LOG = LoggerFactory.getLogger(NtsKeyExchanges.class);
    /** For the TCP connection, the TLS handshake and the NTS-KE records together. */
    static final Duration KE_TIMEOUT = Duration.ofSeconds(5);

    private final Vertx vertx;
    private final TimeSource clock;
    /** NTS-KE clients by source, made on a worker (reading a trust store is file I/O) and used there only. */
    private final Map<String, NtsKeClient> clients = new ConcurrentHashMap<>();

    NtsKeyExchanges(Vertx vertx, TimeSource clock) {
        this.vertx = vertx;
        this.clock = clock;
    }

    /**
     * The address of the next exchange with {@code source}, whose poller takes a fresh session first when it
     * needs one. A failed KE (or resolution) fails the future with an {@link ExchangeFailureException}:
     * {@link ExchangeError#NTS_KE} and its reason, or {@link ExchangeError#UNKNOWN_HOST}.
     */
    Future<InetSocketAddress> target(NtpClientSocket socket, SourcePoller poller, ServerAddress source,
                                     NtsSourceSettings settings) {
        Future<NtsClientSession> session = !poller.needsKeyExchange() ? Future.succeededFuture(poller.nts())
                : vertx.executeBlocking(() -> clients.computeIfAbsent(poller.source(), name -> trusting(settings))
                                .exchange(source.host(), settings.kePort(), KE_TIMEOUT), false)
                        .recover(e -> Future.failedFuture(new ExchangeFailureException(
                                new ExchangeFailure(ExchangeError.NTS_KE, e.getMessage()))))
                        .map(result -> {
                            NtsClientSession fresh = new NtsClientSession(result.keys(), result.response(),
                                    result.response().server().orElse(source.host()),
                                    result.response().port().orElse(source.port()), clock.nowNanos());
                            poller.onKeyExchange(fresh);
                            LOG.info("source {}: NTS-KE with {}:{} gave {} cookie(s); NTP at {}:{}", poller.source(),
                                    source.host(), settings.kePort(), fresh.cookies(), fresh.ntpHost(), fresh.ntpPort());
                            return fresh;
                        });
        return session.compose(s -> socket.resolve(s.ntpHost()).map(ip -> new InetSocketAddress(ip, s.ntpPort())));
    }

    /** An NTS-KE client with the source's trust: an unreadable trust file fails the KE with its reason. */
    private static NtsKeClient trusting(NtsSourceSettings settings) {
        try {
            return NtsKeClient.trusting(settings.trustedCertificates());
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
