package io.timemesh.core.time;

/** A closed interval of offsets in seconds: where the true offset lies if the source is honest. */
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

    public double midpoint() {
        return low + (high - low) / 2;
    }
}
