package io.timemesh.selector;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.timemesh.core.message.Reference;
import io.timemesh.core.message.SourceAuth;
import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SourceSample;
import java.util.List;

/**
 * The selector's state as kept in the cluster map for a successor: samples on their samplers'
 * timescales, and the last decisions (the last reference among them) on the old selector's.
 */
public record SelectorState(long sequence, List<Entry> sources, List<Reference> recentDecisions) {

    /** Decisions carried over; enough for /status and the operator views, small enough to write every second. */
    public static final int CARRIED_DECISIONS = 16;

    public SelectorState {
        sources = List.copyOf(sources);
        recentDecisions = List.copyOf(recentDecisions);
    }

    /**
     * One source's record.
     *
     * @param source   the source as configured
     * @param sample   its newest sample, or null
     * @param fault    its newest fault, or null
     * @param outliers how many of its samples were outliers
     * @param auth     how its sampler authenticates it, or null for a plain source: a successor shows an NTS
     *                 source's carried sample as authenticated before its next poll
     */
    public record Entry(String source, SourceSample sample, SourceFault fault, long outliers,
                        @JsonInclude(JsonInclude.Include.NON_NULL) SourceAuth auth) {}
}
