package io.timemesh.sampler;

import io.timemesh.core.ntp.NtpConstants;

/**
 * When to poll a source next: an initial burst of quick exchanges (iburst) so a source is usable in
 * seconds, then the poll interval, doubled on every RATE kiss up to MAXPOLL.
 */
public final class PollSchedule {
    private int pollSeconds;
    private int burstRemaining;

    public PollSchedule(int pollSeconds, boolean iburst) {
        if (pollSeconds < NtpConstants.MIN_POLL_SECONDS || pollSeconds > NtpConstants.MAX_POLL_SECONDS) {
            throw new IllegalArgumentException("poll must be " + NtpConstants.MIN_POLL_SECONDS + ".."
                    + NtpConstants.MAX_POLL_SECONDS + " s, was " + pollSeconds);
        }
        this.pollSeconds = pollSeconds;
        this.burstRemaining = iburst ? NtpConstants.IBURST_EXCHANGES - 1 : 0;
    }

    /** Seconds from the start of the exchange just made to the start of the next. */
    public double nextDelaySeconds() {
        if (burstRemaining > 0) {
            burstRemaining--;
            return Math.min(NtpConstants.IBURST_SPACING_SECONDS, pollSeconds);
        }
        return pollSeconds;
    }

    /** The server said RATE: poll half as often, and no more bursts. */
    public void slowDown() {
        pollSeconds = Math.min(pollSeconds * 2, NtpConstants.MAX_POLL_SECONDS);
        burstRemaining = 0;
    }

    /** Continues another sampler's schedule for this source: its (perhaps RATE-slowed) poll, no new burst. */
    public void restore(int pollSeconds) {
        this.pollSeconds = Math.max(this.pollSeconds, Math.min(pollSeconds, NtpConstants.MAX_POLL_SECONDS));
        burstRemaining = 0;
    }

    public int pollSeconds() {
        return pollSeconds;
    }

    /** The poll field we put in requests: log2 of the interval, rounded up. */
    public int pollLog2() {
        return 32 - Integer.numberOfLeadingZeros(pollSeconds - 1);
    }
}
