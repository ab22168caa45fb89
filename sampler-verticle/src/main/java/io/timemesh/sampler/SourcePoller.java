package io.timemesh.sampler;

import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.exchange.KissCode;
import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.exchange.ReachRegister;
import io.timemesh.core.exchange.ReplyValidator;
import io.timemesh.core.exchange.ReplyVerdict;
import io.timemesh.core.exchange.SourceStats;
import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.nts.NtsClientSession;
import io.timemesh.core.nts.NtsException;
import io.timemesh.core.time.TimebaseLink;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * Everything the sampler knows about one source, and the exchange protocol with it, free of I/O:
 * the caller hands in datagrams, timeouts and times, and sends the bytes it gets back.
 *
 * <p>Each request carries a transmit timestamp whose fraction is random. The server must echo it as
 * the origin, so a reply that does not is forged or stale and is dropped; the true T1 stays here at
 * full precision and never goes on the wire.
 *
 * <p>A source with NTS (RFC 8915) seals each request with its {@link NtsClientSession} and takes only
 * replies that authenticate under it and echo the request's unique identifier; anything else is dropped
 * with its reason ({@link ExchangeError#NTS_UNAUTHENTICATED}) and never yields a sample.
 */
public final class SourcePoller {
    private final String source;
    private final PollSchedule schedule;
    private final double localPrecisionSeconds;
    private final int localPrecisionLog2;
    private final SourceStats stats;
    private final ReachRegister reach = new ReachRegister();

    private boolean inFlight;
    private long sentTransmit;
    private long t1Nanos;
    private ExchangeFailure lastDropped;
    private long lastServerTransmit;
    private ExchangeFailure lastFailure;
    private boolean stopped;
    /** A pool member's server, or null (see {@link PoolChoice}). */
    private String address;
    /** Polls since the member took {@link #address}, for the replacement rule. */
    private int pollsAtAddress;
    /** Consecutive polls at which the latest selection with a majority called this source a falseticker. */
    private int falsetickerPolls;
    /** True for a source configured with NTS: then no reply counts unless {@link #nts} authenticates it. */
    private final boolean ntsRequired;
    /** The NTS state after the last key exchange, or null before one. */
    private NtsClientSession nts;
    /** Unique identifiers and nonces must be unpredictable (RFC 8915 §5.7). */
    private SecureRandom ntsRandom;

    /**
     * A plain poller whose local timescale's frequency tolerance is RFC 5905's PHI (the discipline's default
     * maxDrift), as {@link TimebaseLink} takes for a node's clock.
     */
    public SourcePoller(String source, PollSchedule schedule, int localPrecisionLog2) {
        this(source, schedule, localPrecisionLog2, NtpConstants.PHI, false);
    }

    /**
     * @param localDrift  bound on the local timescale's frequency error, dimensionless (the discipline's
     *                    maxDrift): how fast the source's exact interval grows with age
     * @param ntsRequired whether the source is authenticated with NTS (RFC 8915)
     */
    public SourcePoller(String source, PollSchedule schedule, int localPrecisionLog2, double localDrift,
                        boolean ntsRequired) {
        this.stats = new SourceStats(localDrift);
        this.source = source;
        this.schedule = schedule;
        this.localPrecisionLog2 = localPrecisionLog2;
        this.localPrecisionSeconds = Math.scalb(1.0, localPrecisionLog2);
        this.ntsRequired = ntsRequired;
    }

    /** True when the source uses NTS. */
    public boolean ntsRequired() {
        return ntsRequired;
    }

    /** True when the next exchange needs NTS-KE first: an NTS source without a session or out of cookies. */
    public boolean needsKeyExchange() {
        return ntsRequired && (nts == null || nts.needsKeyExchange());
    }

    /** Takes the state of a completed NTS-KE; the exchanges that follow use its keys, cookies and server. */
    public void onKeyExchange(NtsClientSession session) {
        if (!ntsRequired) {
            throw new IllegalStateException(source + " is not an NTS source");
        }
        nts = session;
    }

    /** The NTS state, or null for a plain source or before the first key exchange. */
    public NtsClientSession nts() {
        return nts;
    }

    /**
     * Starts an exchange: the request to send, stamped T1 = {@code nowNanos} until {@link #onSending} moves
     * T1 to just before the send; for an NTS source, sealed with one of its cookies (see
     * {@link #needsKeyExchange()}).
     *
     * @param randomFraction 32 random bits for the transmit timestamp's fraction
     * @throws IllegalStateException for a stopped source, or an NTS source that needs NTS-KE first
     */
    public byte[] startExchange(long nowNanos, int randomFraction) {
        if (stopped) {
            throw new IllegalStateException(source + " is stopped: " + lastFailure.message());
        }
        if (needsKeyExchange()) {
            throw new IllegalStateException(source + " needs NTS-KE before an exchange");
        }
        reach.onPoll();
        pollsAtAddress++;
        inFlight = true;
        lastDropped = null;
        t1Nanos = nowNanos;
        sentTransmit = (NtpTimestamp.fromUnixNanos(nowNanos) & 0xFFFF_FFFF_0000_0000L) | (randomFraction & 0xFFFF_FFFFL);
        byte[] header = NtpPacketCodec.encode(NtpPacket.clientRequest(sentTransmit, schedule.pollLog2(), localPrecisionLog2));
        if (!ntsRequired) {
            return header;
        }
        if (ntsRandom == null) {
            ntsRandom = new SecureRandom();
        }
        return nts.seal(header, ntsRandom);
    }

    /**
     * The request in flight is handed to the socket right after {@code nowNanos}, which becomes its T1: a
     * reading after the request was built, so that building it (for NTS, sealing it with AES-SIV) does not
     * lengthen the measured delay δ. It must be no earlier than the reading given to {@link #startExchange}.
     */
    public void onSending(long nowNanos) {
        if (inFlight && nowNanos >= t1Nanos) {
            t1Nanos = nowNanos;
        }
    }

    /** A datagram from the source's address arrived at {@code t4Nanos}. */
    public ExchangeStep onDatagram(byte[] data, int length, long t4Nanos) {
        if (!inFlight) {
            return new ExchangeStep.Unsolicited();
        }
        if (ntsRequired) {
            try {
                if (nts.open(data, length) == NtsClientSession.Reply.NAK) {
                    inFlight = false;
                    lastFailure = new ExchangeFailure(ExchangeError.NTS_NAK, "NTSN: cookies dropped, NTS-KE at the next poll");
                    return new ExchangeStep.Failed(lastFailure);
                }
            } catch (NtsException e) {
                return drop(new ExchangeFailure(ExchangeError.NTS_UNAUTHENTICATED, e.getMessage()));
            }
        }
        DecodeResult decoded = NtpPacketCodec.decode(data, 0, length);
        if (decoded instanceof DecodeResult.Malformed malformed) {
            return drop(new ExchangeFailure(ExchangeError.MALFORMED, malformed.message()));
        }
        NtpPacket reply = ((DecodeResult.Decoded) decoded).packet();
        ReplyVerdict verdict = ReplyValidator.check(reply, sentTransmit, lastServerTransmit, t1Nanos, t4Nanos,
                localPrecisionSeconds);
        if (verdict instanceof ReplyVerdict.Accepted accepted) {
            inFlight = false;
            lastServerTransmit = reply.transmitTimestamp();
            lastFailure = null;
            reach.onValidReply();
            return new ExchangeStep.Sampled(accepted.sample(), stats.add(accepted.sample()));
        }
        ExchangeFailure failure = ((ReplyVerdict.Rejected) verdict).failure();
        if (failure.error().dropOnly()) {
            return drop(failure);
        }
        inFlight = false;
        if (failure.error() == ExchangeError.KISS) {
            switch (KissCode.of(failure.detail())) {
                case SLOW_DOWN -> schedule.slowDown();
                case STOP -> stopped = true;
                case IGNORE -> { }
            }
        }
        lastFailure = failure;
        return new ExchangeStep.Failed(failure);
    }

    private ExchangeStep drop(ExchangeFailure failure) {
        lastDropped = failure;
        return new ExchangeStep.Dropped(failure);
    }

    /**
     * No valid reply came in time. If forged or garbage packets came instead, that is the reason
     * given, since it says more than "timeout".
     */
    public ExchangeFailure onTimeout(String timeoutDetail) {
        inFlight = false;
        lastFailure = lastDropped != null ? lastDropped : new ExchangeFailure(ExchangeError.TIMEOUT, timeoutDetail);
        return lastFailure;
    }

    /** An exchange that could not start or send (name resolution, socket error). */
    public ExchangeFailure onLocalFailure(ExchangeFailure failure) {
        if (!inFlight) {
            reach.onPoll(); // the poll was due and went unanswered, so reach must show it
            pollsAtAddress++;
        }
        inFlight = false;
        lastFailure = failure;
        return failure;
    }

    /** Seconds from the start of the last exchange to the next one. */
    public double nextPollDelaySeconds() {
        return schedule.nextDelaySeconds();
    }

    public String source() {
        return source;
    }

    public int reach() {
        return reach.value();
    }

    public int pollSeconds() {
        return schedule.pollSeconds();
    }

    /** True after a DENY or RSTR kiss: the sampler must not poll this source again. */
    public boolean stopped() {
        return stopped;
    }

    public boolean inFlight() {
        return inFlight;
    }

    /** What another sampler needs to carry on with this source. */
    public PollerState state(String owner) {
        return new PollerState(owner, stats.handoverSamples(), reach.value(), schedule.pollSeconds(), lastServerTransmit,
                stopped ? lastFailure.detail() : null, address);
    }

    /**
     * Continues from another sampler's state. Its filter stages are on its clock: they are kept only
     * when {@code link} relates that clock to ours (rebased and widened by the link), else dropped.
     */
    public void restore(PollerState state, Optional<TimebaseLink> link, long nowNanos) {
        reach.restore(state.reach());
        schedule.restore(state.pollSeconds());
        lastServerTransmit = state.lastServerTransmit();
        address = state.address();
        if (state.stoppedBy() != null) {
            stopped = true;
            lastFailure = new ExchangeFailure(ExchangeError.KISS, state.stoppedBy());
        }
        link.ifPresent(l -> state.stages().forEach(stage -> stats.add(l.rebase(stage, nowNanos))));
    }

    /** The reason the last exchange failed, or null if it succeeded. */
    public ExchangeFailure lastFailure() {
        return lastFailure;
    }

    /** The pool member's server (an IP literal), or null for a plain source or before the pool is resolved. */
    public String address() {
        return address;
    }

    /**
     * Tells the poller, at a poll, what the latest selection with a majority made of this source.
     *
     * @param falseticker true when it was a falseticker there, false when it was a survivor (or there was none)
     */
    public void onSelection(boolean falseticker) {
        falsetickerPolls = falseticker ? falsetickerPolls + 1 : 0;
    }

    /** True when this pool member's server has gone unanswered long enough to be replaced ({@link PoolChoice}). */
    public boolean unreachable() {
        return address != null && PoolChoice.unreachable(reach.value(), pollsAtAddress);
    }

    /** True when this pool member's server has been a falseticker long enough to be replaced ({@link PoolChoice}). */
    public boolean persistentFalseticker() {
        return address != null && PoolChoice.persistentFalseticker(falsetickerPolls);
    }

    /**
     * Makes this pool member ask {@code newAddress}. A replacement is another server: its clock filter
     * starts empty, so no sample of the old server is ever taken for the new one, and a kiss that stopped the
     * old one does not stop it; the reach register carries on, so the source's history of being unreachable
     * stays visible until the new server answers.
     */
    public void moveTo(String newAddress) {
        if (address != null && !address.equals(newAddress)) {
            stats.clear();
            lastServerTransmit = 0;
            stopped = false;
            lastFailure = null;
        }
        address = newAddress;
        pollsAtAddress = 0;
        falsetickerPolls = 0;
    }
}
