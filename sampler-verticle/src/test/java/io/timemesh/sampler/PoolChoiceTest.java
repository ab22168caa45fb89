package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which pool address a member asks, and when it gives it up. */
class PoolChoiceTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static InetAddress[] ips(String... literals) throws Exception {
        InetAddress[] all = new InetAddress[literals.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = ip(literals[i]);
        }
        return all;
    }

    @Test
    void membersTakeDistinctAddressesWhateverTheResolverOrder() throws Exception {
        InetAddress[] rotated = ips("10.0.0.3", "10.0.0.1", "10.0.0.2");
        assertThat(PoolChoice.first(rotated, 0)).isEqualTo(ip("10.0.0.1"));
        assertThat(PoolChoice.first(rotated, 2)).isEqualTo(ip("10.0.0.3"));
        // A fourth member of a three-address pool repeats the first address: an alias, without a vote.
        assertThat(PoolChoice.first(rotated, 3)).isEqualTo(ip("10.0.0.1"));
    }

    @Test
    void aReplacementIsAnAddressNotInUseOrNone() throws Exception {
        InetAddress[] pool = ips("10.0.0.1", "10.0.0.2", "10.0.0.3");
        assertThat(PoolChoice.replacement(pool, 1, Set.of(ip("10.0.0.1"), ip("10.0.0.2")))).contains(ip("10.0.0.3"));
        assertThat(PoolChoice.replacement(pool, 1, Set.of(pool))).isEmpty();
    }

    @Test
    void replacedAfterEightUnansweredOrFalsetickerPolls() {
        assertThat(PoolChoice.unreachable(0, PoolChoice.REPLACE_AFTER_POLLS)).isTrue();
        assertThat(PoolChoice.unreachable(0, PoolChoice.REPLACE_AFTER_POLLS - 1)).isFalse();
        assertThat(PoolChoice.unreachable(0b1000_0000, PoolChoice.REPLACE_AFTER_POLLS)).isFalse();
        assertThat(PoolChoice.persistentFalseticker(PoolChoice.REPLACE_AFTER_POLLS)).isTrue();
        assertThat(PoolChoice.persistentFalseticker(PoolChoice.REPLACE_AFTER_POLLS - 1)).isFalse();
    }
}
