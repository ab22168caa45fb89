package io.timemesh.core.exchange;

/** The 8-bit reachability shift register: one bit per poll, set when that poll got a valid reply. */
public final class ReachRegister {
    private int bits;

    /** A poll is sent: history moves left and the new slot starts unanswered. */
    public void onPoll() {
        bits = (bits << 1) & 0xFF;
    }

    /** The current poll was answered with a valid sample. */
    public void onValidReply() {
        bits |= 1;
    }

    /** Takes over a register kept elsewhere (a source handed between samplers). */
    public void restore(int value) {
        bits = value & 0xFF;
    }

    public int value() {
        return bits;
    }

    public boolean reachable() {
        return bits != 0;
    }

    /** Octal, as ntpq and chronyc print it. */
    public String octal() {
        return Integer.toOctalString(bits);
    }
}
