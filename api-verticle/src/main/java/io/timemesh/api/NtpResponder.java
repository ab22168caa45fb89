package io.timemesh.api;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpShort;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.ntp.ReferenceId;
import java.util.Optional;

/**
 * Answers an NTP client (mode 3) with a server reply (mode 4) from the node's disciplined clock. Only
 * client requests are answered: no control (6) or private (7) modes, nothing to unreadable packets.
 * A reply is the bare 48-byte header, never larger than the request, so the server cannot amplify.
 */
public final class NtpResponder {
    private NtpResponder() {}

    /**
     * @param received  our reading when the request arrived (T2)
     * @param model     the clock model the readings came from (reference time, root delay)
     * @param transmit  our reading just before replying (T3)
     */
    public static Optional<byte[]> respond(byte[] request, int length, TimeReading received, ClockModel model,
                                           TimeReading transmit, int precisionLog2) {
        if (!(NtpPacketCodec.decode(request, 0, length) instanceof DecodeResult.Decoded decoded)
                || decoded.packet().mode() != NtpMode.CLIENT) {
            return Optional.empty();
        }
        NtpPacket ask = decoded.packet();
        boolean bounded = transmit.bounded() && transmit.leap() != LeapIndicator.ALARM;
        double bound = bounded ? transmit.errorBoundNanos() / 1e9 : 0;
        // Root delay and dispersion together carry our whole bound: a client's λ then includes it.
        double rootDelay = bounded ? Math.min(model.rootDelaySeconds(), 2 * bound) : 0;
        double rootDispersion = bounded ? bound - rootDelay / 2 : NtpConstants.MAXDISP;
        // The reference timestamp: our clock's reading when the last majority reference was valid.
        long referenceTime = bounded && model.referenced() ? model.read(model.referenceLocalNanos()).nowNanos() : 0;
        NtpPacket reply = new NtpPacket(
                bounded ? transmit.leap() : LeapIndicator.ALARM,
                ask.version(),
                NtpMode.SERVER,
                bounded ? transmit.stratum() : NtpConstants.MAXSTRAT,
                ask.poll(),
                precisionLog2,
                NtpShort.fromSeconds(rootDelay),
                NtpShort.fromSeconds(rootDispersion),
                referenceId(model),
                referenceTime == 0 ? 0 : NtpTimestamp.fromUnixNanos(referenceTime),
                ask.transmitTimestamp(),
                NtpTimestamp.fromUnixNanos(received.nowNanos()),
                NtpTimestamp.fromUnixNanos(transmit.nowNanos()));
        return Optional.of(NtpPacketCodec.encode(reply));
    }

    /** A kiss-o'-death RATE for a client that asks too often. */
    public static Optional<byte[]> kissRate(byte[] request, int length, TimeReading now) {
        if (!(NtpPacketCodec.decode(request, 0, length) instanceof DecodeResult.Decoded decoded)
                || decoded.packet().mode() != NtpMode.CLIENT) {
            return Optional.empty();
        }
        NtpPacket ask = decoded.packet();
        long stamp = NtpTimestamp.fromUnixNanos(now.nowNanos());
        return Optional.of(NtpPacketCodec.encode(new NtpPacket(LeapIndicator.ALARM, ask.version(), NtpMode.SERVER, 0,
                ask.poll(), 0, 0, 0, ReferenceId.ofAscii("RATE"), 0, ask.transmitTimestamp(), stamp, stamp)));
    }

    /** The system peer's IPv4 address (an NTP server at stratum ≥ 2 names its source so), else a hash of it. */
    static int referenceId(ClockModel model) {
        String peer = model.systemPeer();
        if (peer == null) {
            return ReferenceId.ofAscii("INIT");
        }
        String host = peer.lastIndexOf(':') > 0 ? peer.substring(0, peer.lastIndexOf(':')) : peer;
        String[] parts = host.split("\\.");
        if (parts.length == 4) {
            try {
                int value = 0;
                for (String part : parts) {
                    int octet = Integer.parseInt(part);
                    if (octet < 0 || octet > 255) {
                        return host.hashCode();
                    }
                    value = (value << 8) | octet;
                }
                return value;
            } catch (NumberFormatException e) {
                return host.hashCode();
            }
        }
        return host.hashCode();
    }
}
