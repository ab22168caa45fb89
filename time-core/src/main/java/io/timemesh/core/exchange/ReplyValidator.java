package io.timemesh.core.exchange;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpTimestamp;

/**
 * The packet sanity tests of RFC 5905 §8 and chrony's ntp_core.c, in the order that keeps forged
 * packets harmless: the origin check comes before anything that would act on the content, so a
 * kiss-o'-death or an "unsynchronised" reply counts only when it answers the request we sent.
 */
public final class ReplyValidator {
    private ReplyValidator() {}

    /**
     * @param reply              the decoded reply
     * @param sentTransmit       raw transmit timestamp of our request (what the server must echo)
     * @param lastServerTransmit raw transmit timestamp of this server's previous accepted reply, or 0
     * @param t1Nanos            when we sent, on the local timescale
     * @param t4Nanos            when the reply arrived, on the local timescale
     * @param localPrecision     our clock-reading precision in seconds
     */
    public static ReplyVerdict check(NtpPacket reply, long sentTransmit, long lastServerTransmit,
                                     long t1Nanos, long t4Nanos, double localPrecision) {
        if (reply.mode() != NtpMode.SERVER) {
            return reject(ExchangeError.WRONG_MODE, "mode " + reply.mode().code());
        }
        if (reply.originTimestamp() != sentTransmit) {
            return reject(ExchangeError.BOGUS_ORIGIN, String.format("origin %016x, sent %016x",
                    reply.originTimestamp(), sentTransmit));
        }
        if (lastServerTransmit != 0 && reply.transmitTimestamp() == lastServerTransmit) {
            return reject(ExchangeError.DUPLICATE, String.format("transmit %016x again", lastServerTransmit));
        }
        if (reply.isKissOfDeath()) {
            return reject(ExchangeError.KISS, reply.kissCode());
        }
        if (reply.leap() == LeapIndicator.ALARM) {
            return reject(ExchangeError.UNSYNCHRONIZED, "leap indicator 3");
        }
        if (reply.stratum() >= NtpConstants.MAXSTRAT) {
            return reject(ExchangeError.UNSYNCHRONIZED, "stratum " + reply.stratum());
        }
        if (reply.receiveTimestamp() == 0 || reply.transmitTimestamp() == 0) {
            return reject(ExchangeError.BAD_TIMESTAMPS, "receive or transmit timestamp is zero");
        }
        long t2 = NtpTimestamp.toUnixNanos(reply.receiveTimestamp(), t1Nanos);
        long t3 = NtpTimestamp.toUnixNanos(reply.transmitTimestamp(), t1Nanos);
        if (t3 < t2) {
            return reject(ExchangeError.BAD_TIMESTAMPS, "server transmitted before it received");
        }
        double serverPrecision = reply.precisionSeconds();
        double delay = ExchangeMath.delaySeconds(t1Nanos, t2, t3, t4Nanos);
        if (delay < -(serverPrecision + localPrecision)) {
            return reject(ExchangeError.BAD_DELAY, String.format("delay %.9f s", delay));
        }
        NtpSample sample = new NtpSample(t1Nanos, t4Nanos,
                ExchangeMath.offsetSeconds(t1Nanos, t2, t3, t4Nanos),
                Math.max(0, delay),
                ExchangeMath.dispersionSeconds(serverPrecision, localPrecision, t1Nanos, t4Nanos),
                reply.rootDelaySeconds(),
                reply.rootDispersionSeconds(),
                reply.stratum(),
                reply.referenceIdText(),
                reply.leap(),
                reply.precision());
        double distance = sample.rootDistanceSeconds(t4Nanos, 0);
        if (distance >= NtpConstants.MAXDIST) {
            return reject(ExchangeError.TOO_DISTANT, String.format("root distance %.6f s", distance));
        }
        return new ReplyVerdict.Accepted(sample);
    }

    private static ReplyVerdict reject(ExchangeError error, String detail) {
        return new ReplyVerdict.Rejected(new ExchangeFailure(error, detail));
    }
}
