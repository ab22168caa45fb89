package io.timemesh.sampler;

import io.timemesh.core.exchange.NtpSample;
import java.util.List;

/**
 * A source's sampling state as kept in the cluster map, so it survives a move to another sampler.
 *
 * @param owner              the sampler node whose timescale the stages are on
 * @param stages             the clock filter's stages, oldest first
 * @param lastServerTransmit for the duplicate check
 * @param stoppedBy          the kiss code that stopped the source (DENY, RSTR), or null
 * @param address            the pool member's server (an IP literal), or null for a plain source or an
 *                           unresolved member
 */
public record PollerState(String owner, List<NtpSample> stages, int reach, int pollSeconds, long lastServerTransmit,
                          String stoppedBy, String address) {

    public PollerState {
        stages = List.copyOf(stages);
    }
}
