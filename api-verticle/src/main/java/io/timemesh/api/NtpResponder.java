package io.timemesh.api;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.MalformedReason;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpShort;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.ntp.ReferenceId;
import io.timemesh.core.ntp.RootFields;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.Optional;

/**
 * Answers NTP requests from the node's disciplined clock, as chrony does: a client (mode 3) gets a server
 * reply (mode 4), a symmetric active peer (mode 1, e.g. Windows w32time) a symmetric passive one (mode 2),
 * and an NTPv1 client (no mode field, so mode 0) a server reply in version 1. Nothing else is answered: no
 * control (6) or private (7) modes, no server or broadcast packets, nothing unreadable. A reply is the bare
 * 48-byte header, never larger than the request, so the server cannot amplify.
 */
public final class NtpResponder {
    private NtpResponder() {}

    /** Where a reply's origin, receive (T2) and transmit (T3) timestamps start, in bytes (RFC 5905 §7.3). */
    private static final int ORIGIN_OFFSET = 24;
    private static final int RECEIVE_OFFSET = 32;
    public static final int TRANSMIT_OFFSET = 40;
    /** The leap indicator's two bits of the first byte; version and mode are the request's. */
    private static final int LEAP_BITS = 0xC0;
    private static final VarHandle BIG_ENDIAN_LONG = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.BIG_ENDIAN);

    /**
     * The request, when it is one we answer; empty for everything to be dropped unanswered (and, with rate
     * limiting on, without spending the sender's credit: junk must not be able to get a client limited).
     *
     * @param datagram the received bytes; {@code length} of them are read
     */
    public static Optional<NtpPacket> request(byte[] datagram, int length) {
        if (NtpPacketCodec.decode(datagram, 0, length) instanceof DecodeResult.Decoded decoded
                && replyMode(decoded.packet()) != null) {
            return Optional.of(decoded.packet());
        }
        return Optional.empty();
    }

    /**
     * Why {@link #request} refused {@code datagram}: a mode we do not answer (control and private modes, which
     * the decoder cannot read, included), else malformed. It decodes the datagram again, which only refused
     * datagrams pay for.
     */
    public static NodeCounters.NtpOutcome refusal(byte[] datagram, int length) {
        DecodeResult decoded = NtpPacketCodec.decode(datagram, 0, length);
        return decoded instanceof DecodeResult.Decoded || decoded instanceof DecodeResult.Malformed malformed
                && malformed.reason() == MalformedReason.UNSUPPORTED_MODE
                ? NodeCounters.NtpOutcome.UNANSWERED_MODE : NodeCounters.NtpOutcome.MALFORMED;
    }

    /** The mode we answer {@code ask} in, or null for a packet we do not answer. */
    private static NtpMode replyMode(NtpPacket ask) {
        return switch (ask.mode()) {
            case CLIENT -> NtpMode.SERVER;
            case SYMMETRIC_ACTIVE -> NtpMode.SYMMETRIC_PASSIVE;
            case RESERVED -> ask.version() == 1 ? NtpMode.SERVER : null;
            default -> null;
        };
    }

    /**
     * The reply to a request {@link #request} accepted: {@link #header} filled in by {@link #fill} and {@link #transmit}.
     *
     * @param received  our reading when the request arrived (T2)
     * @param model     the clock model the readings came from (reference time, system peer, its root delay)
     * @param transmit  our reading just before replying (T3)
     * @return the 48-byte reply: LI and stratum from {@code transmit} (LI 3 and stratum 16 when it is
     *         unsynchronised), root delay and dispersion carrying its whole bound, refid the system peer
     */
    public static byte[] respond(NtpPacket ask, TimeReading received, ClockModel model, TimeReading transmit,
                                 int precisionLog2) {
        byte[] reply = header(model, transmit, precisionLog2);
        fill(reply, ask, NtpTimestamp.fromUnixNanos(received.nowNanos()));
        transmit(reply, NtpTimestamp.fromUnixNanos(transmit.nowNanos()));
        return reply;
    }

    /**
     * What every reply read from {@code reading} has in common, so that a server answering a batch works it
     * out once: LI, stratum, precision, root delay and dispersion, refid and reference timestamp; the
     * request's own fields and the timestamps are left for {@link #fill}.
     *
     * @return 48 bytes, a reply header but for version, mode, poll, origin, receive and transmit
     */
    public static byte[] header(ClockModel model, TimeReading reading, int precisionLog2) {
        boolean bounded = reading.bounded() && reading.leap() != LeapIndicator.ALARM;
        double bound = bounded ? reading.errorBoundNanos() / 1e9 : 0;
        // Root delay and dispersion together carry our whole bound: a client's λ then includes it. The root delay
        // is the reference's; what the bound has grown by since is dispersion.
        RootFields root = bounded ? RootFields.carrying(bound, model.referenceRootFields().delaySeconds())
                : new RootFields(0, NtpConstants.MAXDISP);
        // The reference timestamp: our clock's reading when the last majority reference was valid.
        long referenceTime = bounded && model.referenced()
                ? model.read(model.bound().referenceLocalNanos()).nowNanos() : 0;
        return NtpPacketCodec.encode(new NtpPacket(
                bounded ? reading.leap() : LeapIndicator.ALARM,
                0,
                NtpMode.RESERVED,
                bounded ? reading.stratum() : NtpConstants.MAXSTRAT,
                0,
                precisionLog2,
                NtpShort.fromSeconds(root.delaySeconds()),
                NtpShort.fromSeconds(root.dispersionSeconds()),
                referenceId(model),
                referenceTime == 0 ? 0 : NtpTimestamp.fromUnixNanos(referenceTime),
                0, 0, 0));
    }

    /**
     * Completes {@code reply}, a copy of a {@link #header}, as the answer to {@code ask} but for its transmit timestamp
     * ({@link #transmit}): the request's version and poll, the reply mode, its transmit timestamp as our origin, and
     * the receive timestamp.
     *
     * @param receive T2, in NTP timestamp format (32.32 s since 1900)
     */
    public static void fill(byte[] reply, NtpPacket ask, long receive) {
        reply[0] = (byte) ((reply[0] & LEAP_BITS) | (ask.version() << 3) | replyMode(ask).code());
        reply[2] = (byte) ask.poll();
        BIG_ENDIAN_LONG.set(reply, ORIGIN_OFFSET, ask.transmitTimestamp());
        BIG_ENDIAN_LONG.set(reply, RECEIVE_OFFSET, receive);
    }

    /**
     * Writes T3, the last thing before the reply is sent: by shifts rather than the view the other fields are written
     * through, which costs microseconds where the server has answered too little for the JIT to compile it, and
     * every one of them after T3 is read is a microsecond the reply spends unaccounted for in the client's δ and θ.
     *
     * @param transmit T3, in NTP timestamp format (32.32 s since 1900)
     */
    public static void transmit(byte[] reply, long transmit) {
        for (int i = 0; i < 8; i++) {
            reply[TRANSMIT_OFFSET + i] = (byte) (transmit >>> (56 - 8 * i));
        }
    }

    /** A kiss-o'-death RATE for a client that asks too often; {@code ask} as {@link #request} accepted it. */
    public static byte[] kissRate(NtpPacket ask, TimeReading now) {
        long stamp = NtpTimestamp.fromUnixNanos(now.nowNanos());
        return NtpPacketCodec.encode(new NtpPacket(LeapIndicator.ALARM, ask.version(), replyMode(ask), 0,
                ask.poll(), 0, 0, 0, ReferenceId.ofAscii("RATE"), 0, ask.transmitTimestamp(), stamp, stamp));
    }

    /**
     * The system peer's address as RFC 5905 §7.3 has a server of stratum 2 or more name it (IPv4, or the
     * MD5 hash of an IPv6 address); "INIT" before there is one.
     */
    static int referenceId(ClockModel model) {
        String peer = model.upstream().systemPeerAddress();
        PeerReferenceId last = lastReferenceId;
        if (Objects.equals(peer, last.peer())) {
            return last.referenceId();
        }
        int referenceId = peer == null ? ReferenceId.ofAscii("INIT") : ReferenceId.ofAddress(peer);
        lastReferenceId = new PeerReferenceId(peer, referenceId);
        return referenceId;
    }

    /**
     * The last system peer's reference ID, kept because {@link #header} runs for every batch of requests and reading
     * the address (a regular expression compiled per call) was 9 % of the NTP event loop at 50,000 requests/s (JFR,
     * issue 14). Immutable, so a race only works it out twice.
     */
    private record PeerReferenceId(String peer, int referenceId) {
    }

    private static volatile PeerReferenceId lastReferenceId = new PeerReferenceId(null, ReferenceId.ofAscii("INIT"));
}
