package io.timemesh.core.settings;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The range of a real-valued setting (a double record component), checked by {@link Settings} before binding.
 * The ranges keep the arithmetic a setting feeds finite (a drift of 1e300 ppm would overflow the bound).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Real {
    /** Smallest value allowed (excluded when {@link #positive()}). */
    double min() default 0;

    /** Largest value allowed. */
    double max();

    /** Whether the value must be greater than 0 (then {@link #min()} is ignored). */
    boolean positive() default false;
}
