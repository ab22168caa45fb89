package io.timemesh.sampler;

import io.timemesh.core.ntp.ServerAddress;
import java.util.stream.IntStream;
import java.util.List;

/**
 * A pool as chrony's {@code pool} directive has it: one name that stands for several servers, each of
 * which is asked and votes on its own, up to {@code maxSources} of them.
 *
 * <p>The pool is configured as {@code maxSources} member sources named {@code host:port#i}, so the
 * voters and the samplers' shares stay fixed while addresses come and go; the sampler that owns member
 * {@code i} resolves the name and asks one of its addresses (see {@link PoolChoice}).
 *
 * @param server     the pool's name and port
 * @param maxSources how many of its addresses are asked at most, 1..16 (chrony's {@code maxsources})
 */
public record PoolSource(ServerAddress server, int maxSources) {
    /** chrony's default {@code maxsources}. */
    public static final int DEFAULT_MAX_SOURCES = 4;
    /** chrony's upper limit for {@code maxsources}. */
    public static final int MAX_SOURCES = 16;
    private static final char MEMBER_MARK = '#';

    public PoolSource {
        if (maxSources < 1 || maxSources > MAX_SOURCES) {
            throw new IllegalArgumentException("maxSources must be 1.." + MAX_SOURCES + ", was " + maxSources);
        }
    }

    /** The member sources' names, {@code host:port#0} to {@code host:port#(maxSources-1)}. */
    public List<String> members() {
        return IntStream.range(0, maxSources).mapToObj(i -> server.toString() + MEMBER_MARK + i).toList();
    }

    /** Which member {@code name} is (0-based), or -1 when it is not one of this pool's members. */
    public int memberIndex(String name) {
        return members().indexOf(name);
    }
}
