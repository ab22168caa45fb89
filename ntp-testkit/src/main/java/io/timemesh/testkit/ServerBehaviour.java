package io.timemesh.testkit;

import io.timemesh.core.ntp.LeapIndicator;
import java.time.Duration;

/**
 * How a simulated server behaves: the error of its clock, the path to it, and any fault.
 *
 * @param offsetSeconds  how far its clock is ahead of the truth
 * @param driftPpm       how fast that offset grows, in parts per million of elapsed true time
 * @param outboundDelay  one-way delay of the request, client to server (d1)
 * @param returnDelay    one-way delay of the reply, server to client (d2)
 * @param jitter         each one-way delay gets an extra uniform random 0..jitter
 * @param processing     time between the server's receive and transmit timestamps
 * @param fault          what, if anything, is wrong with its replies
 * @param kissCode       the code sent when {@code fault} is {@link Fault#KISS}
 */
public record ServerBehaviour(
        double offsetSeconds,
        double driftPpm,
        Duration outboundDelay,
        Duration returnDelay,
        Duration jitter,
        Duration processing,
        int stratum,
        LeapIndicator leap,
        String referenceId,
        double rootDelaySeconds,
        double rootDispersionSeconds,
        int precisionLog2,
        Fault fault,
        String kissCode) {

    /** What can be wrong with a server's answers. */
    public enum Fault {
        NONE,
        /** Never answers. */
        SILENT,
        /** Answers with random bytes. */
        GARBAGE,
        /** Answers with an origin timestamp that is not the client's transmit timestamp. */
        SPOOFED_ORIGIN,
        /** Answers with a kiss-o'-death carrying {@code kissCode}. */
        KISS,
        /** Answers as a well-formed reply with LI = 3 and stratum 16. */
        UNSYNCHRONIZED
    }

    /** A truthful stratum-1 server on a symmetric, instantaneous path. */
    public static ServerBehaviour truthful() {
        return new ServerBehaviour(0, 0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, 1,
                LeapIndicator.NO_WARNING, "SIM", 0, 0, -24, Fault.NONE, "");
    }

    public ServerBehaviour withOffset(double seconds) {
        return new ServerBehaviour(seconds, driftPpm, outboundDelay, returnDelay, jitter, processing, stratum, leap,
                referenceId, rootDelaySeconds, rootDispersionSeconds, precisionLog2, fault, kissCode);
    }

    public ServerBehaviour withDrift(double ppm) {
        return new ServerBehaviour(offsetSeconds, ppm, outboundDelay, returnDelay, jitter, processing, stratum, leap,
                referenceId, rootDelaySeconds, rootDispersionSeconds, precisionLog2, fault, kissCode);
    }

    public ServerBehaviour withDelays(Duration outbound, Duration back) {
        return new ServerBehaviour(offsetSeconds, driftPpm, outbound, back, jitter, processing, stratum, leap,
                referenceId, rootDelaySeconds, rootDispersionSeconds, precisionLog2, fault, kissCode);
    }

    public ServerBehaviour withJitter(Duration jitter) {
        return new ServerBehaviour(offsetSeconds, driftPpm, outboundDelay, returnDelay, jitter, processing, stratum,
                leap, referenceId, rootDelaySeconds, rootDispersionSeconds, precisionLog2, fault, kissCode);
    }

    public ServerBehaviour withProcessing(Duration processing) {
        return new ServerBehaviour(offsetSeconds, driftPpm, outboundDelay, returnDelay, jitter, processing, stratum,
                leap, referenceId, rootDelaySeconds, rootDispersionSeconds, precisionLog2, fault, kissCode);
    }

    public ServerBehaviour withRoot(int stratum, double rootDelaySeconds, double rootDispersionSeconds) {
        return new ServerBehaviour(offsetSeconds, driftPpm, outboundDelay, returnDelay, jitter, processing, stratum,
                leap, referenceId, rootDelaySeconds, rootDispersionSeconds, precisionLog2, fault, kissCode);
    }

    /** Announces {@code leap} in every reply's LI bits. */
    public ServerBehaviour withLeap(LeapIndicator leap) {
        return new ServerBehaviour(offsetSeconds, driftPpm, outboundDelay, returnDelay, jitter, processing, stratum,
                leap, referenceId, rootDelaySeconds, rootDispersionSeconds, precisionLog2, fault, kissCode);
    }

    public ServerBehaviour withFault(Fault fault) {
        return new ServerBehaviour(offsetSeconds, driftPpm, outboundDelay, returnDelay, jitter, processing, stratum,
                leap, referenceId, rootDelaySeconds, rootDispersionSeconds, precisionLog2, fault, kissCode);
    }

    public ServerBehaviour withKiss(String code) {
        return new ServerBehaviour(offsetSeconds, driftPpm, outboundDelay, returnDelay, jitter, processing, stratum,
                leap, referenceId, rootDelaySeconds, rootDispersionSeconds, precisionLog2, Fault.KISS, code);
    }
}
