package io.timemesh.selector;

import io.timemesh.core.message.SourceFault;
import io.timemesh.core.message.SourceSample;
import java.util.List;

/** The selector's state as kept in the cluster map for a successor; samples on their samplers' timescales. */
public record SelectorState(long sequence, List<Entry> sources) {

    public SelectorState {
        sources = List.copyOf(sources);
    }

    public record Entry(String source, SourceSample sample, SourceFault fault, long outliers) {}
}
