package io.timemesh.sampler;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which of a pool's addresses a member asks, and when it gives one up. Pure: the caller resolves.
 *
 * <p>Member {@code i} first takes the {@code i}-th of the resolved addresses in a fixed (sorted) order,
 * so every sampler that resolves the same answer gives every member a different server whatever order
 * the resolver returns them in; with fewer addresses than members, member {@code i} takes address
 * {@code i mod n} and is an alias of an earlier member, without a vote of its own.
 *
 * <p>Replacement, after chrony's rule for pool sources that are unreachable or falsetickers: a member
 * whose server has not answered any of the last {@link #REPLACE_AFTER_POLLS} polls (reach 0 for that
 * many polls at that address), or was a falseticker in the latest selection with a majority at each of
 * its last {@link #REPLACE_AFTER_POLLS} polls, resolves the pool again and takes an address no member
 * of this sampler asks, if there is one. So does a member whose server stopped it with a DENY or RSTR kiss, at
 * once: that server will not be asked again, and the pool has others.
 */
public final class PoolChoice {
    /** Polls without a single answer after which a pool member's server is replaced: the reach register's width. */
    public static final int REPLACE_AFTER_POLLS = 8;

    private PoolChoice() {}

    /** The address member {@code index} takes first from {@code resolved} (non-empty). */
    public static InetAddress first(InetAddress[] resolved, int index) {
        List<InetAddress> sorted = sorted(resolved);
        return sorted.get(index % sorted.size());
    }

    /**
     * The address to replace an unreachable server with: among {@code resolved}, those not in {@code inUse}
     * (which holds the unreachable one), the member's {@code index}-th modulo their number.
     *
     * @return empty when every resolved address is in use, so the member stays where it is
     */
    public static Optional<InetAddress> replacement(InetAddress[] resolved, int index, Set<InetAddress> inUse) {
        List<InetAddress> free = sorted(resolved).stream().filter(a -> !inUse.contains(a)).toList();
        return free.isEmpty() ? Optional.empty() : Optional.of(free.get(index % free.size()));
    }

    /** True when a pool member's server is to be replaced: unanswered at every poll of the last {@link #REPLACE_AFTER_POLLS}. */
    public static boolean unreachable(int reach, int pollsAtAddress) {
        return reach == 0 && pollsAtAddress >= REPLACE_AFTER_POLLS;
    }

    /** True when a pool member's server is to be replaced: a falseticker at every poll of the last {@link #REPLACE_AFTER_POLLS}. */
    public static boolean persistentFalseticker(int falsetickerPolls) {
        return falsetickerPolls >= REPLACE_AFTER_POLLS;
    }

    private static List<InetAddress> sorted(InetAddress[] resolved) {
        return Arrays.stream(resolved).distinct().sorted(Comparator.comparing(InetAddress::getHostAddress)).toList();
    }
}
