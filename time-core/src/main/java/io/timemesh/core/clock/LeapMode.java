package io.timemesh.core.clock;

/**
 * How served time passes a leap second ({@code discipline.leapMode}).
 */
public enum LeapMode {
    /**
     * Served time is UTC counted as POSIX does, except that it never runs back: an inserted second
     * (23:59:60) reads as midnight, held for that second, and a deleted one (23:59:59) is skipped by a
     * step forward. Like chrony's {@code leapsecmode step}/{@code system}, without the backward step.
     * NTP clients get the leap announced (LI 1 or 2) until it happens.
     */
    STEP,
    /**
     * The leap is spread linearly over the 24 h from noon UTC before it to noon UTC after it, as Google's
     * and Amazon's public smearing servers do: served time runs 1/86401 slow (insert) or 1/86399 fast
     * (delete) over that window, at most 0.5 s from UTC at midnight. NTP clients get no leap announced
     * (LI 0), like chrony's {@code smoothtime ... leaponly}: a client must not apply the leap on top of the smear.
     */
    SMEAR;

    /** The configuration's spelling: "step" or "smear". */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
