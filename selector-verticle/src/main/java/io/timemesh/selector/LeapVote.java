package io.timemesh.selector;

import io.timemesh.core.clock.LeapDays;
import io.timemesh.core.ntp.LeapIndicator;
import java.util.List;

/**
 * Which leap second a selection announces. As chrony does (sources.c, reference.c), a leap is announced
 * only when more than half of the sources combined announce the same one, so a single source (even the
 * system peer) cannot make the whole mesh insert or delete a second; and only on a day {@link LeapDays}
 * allows (by default the last of June or December, the only days the IERS has ever scheduled one on), so
 * a server announcing on any other day is ignored.
 */
final class LeapVote {
    private LeapVote() {}

    /**
     * @param announced  each survivor's leap indicator (ALARM counts as no announcement)
     * @param utcSeconds now, as seconds since the Unix epoch (an estimate good to a second is enough)
     * @param days       the days a leap may end (by default the last of June or December)
     * @return {@link LeapIndicator#LAST_MINUTE_61} (insert), {@link LeapIndicator#LAST_MINUTE_59} (delete), or
     *         {@link LeapIndicator#NO_WARNING}
     */
    static LeapIndicator of(List<LeapIndicator> announced, double utcSeconds, LeapDays days) {
        if (!days.contains((long) Math.floor(utcSeconds))) {
            return LeapIndicator.NO_WARNING;
        }
        long insert = announced.stream().filter(l -> l == LeapIndicator.LAST_MINUTE_61).count();
        long delete = announced.stream().filter(l -> l == LeapIndicator.LAST_MINUTE_59).count();
        if (2 * insert > announced.size()) {
            return LeapIndicator.LAST_MINUTE_61;
        }
        if (2 * delete > announced.size()) {
            return LeapIndicator.LAST_MINUTE_59;
        }
        return LeapIndicator.NO_WARNING;
    }
}
