package io.timemesh.core.clock;

/** How much a node's served time can be trusted (in the spirit of ClockBound's clock status). */
public enum ClockStatus {
    /** Disciplined to a current reference that a strict majority of sources agree on. */
    SYNCHRONIZED,
    /** Was synchronised; no current majority reference, so the bound grows at the stated drift rate. */
    HOLDOVER,
    /** Never synchronised, or the bound has grown past the configured limit. */
    UNSYNCHRONIZED
}
