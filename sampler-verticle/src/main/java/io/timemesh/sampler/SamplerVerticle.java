package io.timemesh.sampler;

import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SourceSample;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the configured NTP sources and publishes every accepted sample ({@link SourceSample} on
 * {@link EventBusAddresses#SAMPLES}) and every failure ({@link SourceFault} on
 * {@link EventBusAddresses#SOURCE_FAULTS}). All protocol logic lives in {@link SourcePoller}; this
 * class resolves, sends, times and publishes.
 */
public final class SamplerVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(SamplerVerticle.class);

    private final TimeSource clock;
    private final int precisionLog2;
    private final HostResolver resolver;
    private final Map<ServerAddress, SourcePoller> pollers = new LinkedHashMap<>();
    private final Map<String, ExchangeError> lastErrors = new HashMap<>();
    private SamplerConfig config;
    private NtpClientSocket socket;

    /**
     * @param clock         the node's local timescale, which samples are measured against
     * @param precisionLog2 the precision of reading it, as the NTP precision field
     */
    public SamplerVerticle(TimeSource clock, int precisionLog2) {
        this(clock, precisionLog2, HostResolver.SYSTEM);
    }

    public SamplerVerticle(TimeSource clock, int precisionLog2, HostResolver resolver) {
        this.clock = clock;
        this.precisionLog2 = precisionLog2;
        this.resolver = resolver;
    }

    @Override
    public Future<?> start() {
        try {
            config = SamplerConfig.fromJson(config());
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return NtpClientSocket.open(vertx, clock, config.bindHost(), resolver).onSuccess(opened -> {
            socket = opened;
            for (ServerAddress source : config.sources()) {
                SourcePoller poller = new SourcePoller(source.toString(),
                        new PollSchedule(config.pollSeconds(), config.iburst()), precisionLog2);
                pollers.put(source, poller);
                poll(source, poller);
            }
            LOG.info("sampler {} polling {} source(s) every {} s", config.nodeName(), pollers.size(),
                    config.pollSeconds());
        });
    }

    private void poll(ServerAddress source, SourcePoller poller) {
        long startedNanos = clock.nowNanos();
        socket.resolve(source.host())
                .compose(ip -> {
                    InetSocketAddress target = new InetSocketAddress(ip, source.port());
                    return socket.exchange(poller, target, config.timeout())
                            .onSuccess(step -> publish(poller, target, step));
                })
                .onFailure(e -> publishFault(poller, source.toString(), poller.onLocalFailure(
                        e instanceof ExchangeFailureException f ? f.failure()
                                : new ExchangeFailure(ExchangeError.SEND_FAILED, String.valueOf(e.getMessage())))))
                .onComplete(done -> {
                    if (poller.stopped()) {
                        LOG.warn("stopped polling {}: {}", poller.source(), poller.lastFailure().message());
                        return;
                    }
                    long elapsedNanos = clock.nowNanos() - startedNanos;
                    long delayMillis = Math.max(1, Math.round(poller.nextPollDelaySeconds() * 1e3 - elapsedNanos / 1e6));
                    vertx.setTimer(delayMillis, id -> poll(source, poller));
                });
    }

    private void publish(SourcePoller poller, InetSocketAddress target, ExchangeStep step) {
        String address = target.getAddress().getHostAddress() + ":" + target.getPort();
        if (step instanceof ExchangeStep.Sampled sampled) {
            if (lastErrors.remove(poller.source()) != null) {
                LOG.info("source {} answers again", poller.source());
            }
            SourceSample sample = SourceSample.of(poller.source(), address, config.nodeName(), sampled.estimate(),
                    poller.reach(), poller.pollSeconds());
            vertx.eventBus().publish(EventBusAddresses.SAMPLES, JsonObject.mapFrom(sample));
        } else if (step instanceof ExchangeStep.Failed failed) {
            publishFault(poller, address, failed.failure());
        }
    }

    private void publishFault(SourcePoller poller, String address, ExchangeFailure failure) {
        // Say it once when a source starts failing or fails differently, not at every poll.
        if (lastErrors.put(poller.source(), failure.error()) != failure.error()) {
            LOG.warn("source {}: {}{}", poller.source(), failure.message(), failure.error() == ExchangeError.UNKNOWN_HOST
                    ? " (no network or no DNS? time stays UNSYNCHRONIZED until a source answers)" : "");
        }
        SourceFault fault = new SourceFault(poller.source(), address, config.nodeName(), clock.nowNanos(),
                failure.error().label(), failure.detail(), poller.reach(), poller.stopped());
        vertx.eventBus().publish(EventBusAddresses.SOURCE_FAULTS, JsonObject.mapFrom(fault));
    }

    @Override
    public Future<?> stop() {
        return socket == null ? Future.succeededFuture() : socket.close();
    }
}
