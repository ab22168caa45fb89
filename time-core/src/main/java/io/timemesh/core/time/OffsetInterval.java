package io.timemesh.core.time;

/**
 * A closed interval of offsets in seconds: where the true offset lies if the source is honest. The one
 * representation of a bound from a source's exchange to the served time: a sample's exact interval, the
 * selector's majority hull, the clock model's interval about its estimate. NTP's root delay and dispersion
 * are derived from it only where a packet is written ({@link io.timemesh.core.ntp.RootFields}).
 */
public record OffsetInterval(double low, double high) {

    public OffsetInterval {
        if (!(low <= high)) {
            throw new IllegalArgumentException("interval low " + low + " is above high " + high);
        }
    }

    /** [center − radius, center + radius]. */
    public static OffsetInterval around(double center, double radius) {
        if (!(radius >= 0)) {
            throw new IllegalArgumentException("radius must be non-negative, was " + radius);
        }
        return new OffsetInterval(center - radius, center + radius);
    }

    public boolean contains(double offset) {
        return low <= offset && offset <= high;
    }

    public double width() {
        return high - low;
    }

    /** Half the width, s: λ of an interval about its midpoint. */
    public double halfWidth() {
        return (high - low) / 2;
    }

    public double midpoint() {
        return low + (high - low) / 2;
    }

    /** The interval moved by {@code seconds} (another timescale's offsets, or offsets less an estimate). */
    public OffsetInterval shifted(double seconds) {
        return new OffsetInterval(low + seconds, high + seconds);
    }

    /** The interval widened by {@code seconds} (≥ 0) each side: an uncertainty added on the way. */
    public OffsetInterval widened(double seconds) {
        return new OffsetInterval(low - seconds, high + seconds);
    }

    /** How far the interval reaches from {@code point} either way, s: the symmetric bound about it. */
    public double reachFrom(double point) {
        return Math.max(point - low, high - point);
    }
}
