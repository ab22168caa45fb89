package io.timemesh.core.message;

/** Every event-bus address the mesh uses, in one place. */
public final class EventBusAddresses {
    private EventBusAddresses() {}

    /** Published by samplers: one {@link SourceSample} per accepted exchange. */
    public static final String SAMPLES = "timemesh.samples";
    /** Published by samplers: one {@link SourceFault} per failed exchange or source state change. */
    public static final String SOURCE_FAULTS = "timemesh.source-faults";
}
