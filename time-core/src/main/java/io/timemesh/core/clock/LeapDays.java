package io.timemesh.core.clock;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.ZoneOffset;

/**
 * On which days a leap second announced by the sources is believed ({@code discipline.leapDays}). A leap
 * always falls at the midnight ending the UTC day; a source announcing one on any other day is ignored,
 * so a single confused server cannot make the mesh insert or delete a second at a month's end that no
 * authority scheduled.
 */
public enum LeapDays {
    /**
     * The last day of June or December (UTC), the only days the IERS has ever scheduled a leap second on:
     * chrony's rule, and the default.
     */
    JUNE_DECEMBER,
    /**
     * The last day of any month, as ITU-R TF.460-6 also allows (June and December first, March and
     * September second, any month's end after that).
     */
    ANY_MONTH_END;

    /** Whether the UTC day holding {@code utcSeconds} (since the Unix epoch) can end in a leap second. */
    public boolean contains(long utcSeconds) {
        LocalDate day = Instant.ofEpochSecond(utcSeconds).atOffset(ZoneOffset.UTC).toLocalDate();
        boolean monthEnd = day.getDayOfMonth() == day.lengthOfMonth();
        return this == ANY_MONTH_END ? monthEnd
                : monthEnd && (day.getMonth() == Month.JUNE || day.getMonth() == Month.DECEMBER);
    }
}
