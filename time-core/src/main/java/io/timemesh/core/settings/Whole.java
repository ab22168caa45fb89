package io.timemesh.core.settings;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The range of a whole-number setting (an int or long record component), checked by {@link Settings} before
 * binding: a fraction (18252.9) or a value outside [min, max] is refused with the key, never truncated or clamped.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Whole {
    /** Smallest value allowed. */
    long min();

    /** Largest value allowed. */
    long max();
}
