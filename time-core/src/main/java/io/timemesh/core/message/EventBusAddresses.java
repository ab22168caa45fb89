package io.timemesh.core.message;

/** Every event-bus address the mesh uses, in one place. */
public final class EventBusAddresses {
    private EventBusAddresses() {}

    /**
     * Published by samplers: a {@link SampleBatch} of the {@link SourceSample}s of their last few milliseconds'
     * exchanges, with the {@link SourceAuth} of each NTS source among them.
     */
    public static final String SAMPLES = "timemesh.samples";
    /** Published by samplers: one {@link SourceFault} per failed exchange or source state change. */
    public static final String SOURCE_FAULTS = "timemesh.source-faults";
    /**
     * Published by the active selector: one {@link Reference} per selection, sealed, in a body
     * {@code {"epoch": E, "reference": {...}}} where E is the leadership's fencing token.
     */
    public static final String REFERENCE = "timemesh.reference";
    /**
     * Published by a discipline that refused a reference for its epoch, at most once a second: sealed
     * {@code {"leader": node, "epoch": E}}, the leadership it follows. The lease holder moves above E, so
     * a healed split whose winner had the lower epoch is followed again (see {@code LeaderFence}).
     */
    public static final String FENCE = "timemesh.reference.fence";
    /** Node-local: every reference this node's discipline authenticated, fenced and applied, as plain JSON. */
    public static final String REFERENCE_APPLIED = "timemesh.reference.applied";
    /**
     * Node-local: a member joined this node's view of the cluster (a new node, or a side of a healed split
     * merging). Consumers registered while it was away are announced again, so that its event bus learns
     * of them (Vert.x does not refresh its cached registrations after a merge).
     */
    public static final String MEMBERS_CHANGED = "timemesh.cluster.members-changed";
    /**
     * Node-local: the cluster dropped a member from this node's view; the body is its Vert.x cluster node id
     * ({@code ClusterManager#getNodeId} on that member). A hint only: a member cut off by a split looks the same.
     */
    public static final String MEMBER_LEFT = "timemesh.cluster.member-left";
    /** Node-local request/reply: the leader followed, its epoch and every message refused, as JSON. */
    public static final String MESH_STATUS = "timemesh.mesh.status";
    /** Request/reply to the active selector: per-source state, as a JSON array. */
    public static final String SELECTOR_SOURCES = "timemesh.selector.sources";
    /** Request/reply to the active selector: recent decisions and who the selector is. */
    public static final String SELECTOR_STATUS = "timemesh.selector.status";
    /** Node-local: the discipline publishes each new {@link io.timemesh.core.clock.ClockModel} here. */
    public static final String CLOCK_MODEL = "timemesh.clock";
    /** Node-local request/reply: the discipline's current clock model, for late starters. */
    public static final String CLOCK_MODEL_REQUEST = "timemesh.clock.current";
    /** Request/reply, any node's API: the same JSON as GET /time. */
    public static final String TIME = "timemesh.time";

    /** Prefix of every node's timebase responder: {@code timemesh.timebase.<node>} answers four-timestamp probes. */
    public static final String TIMEBASE_PREFIX = "timemesh.timebase.";

    public static String timebase(String node) {
        return TIMEBASE_PREFIX + node;
    }
}
