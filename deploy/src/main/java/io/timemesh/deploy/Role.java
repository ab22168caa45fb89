package io.timemesh.deploy;

import java.util.Locale;

/** What a node runs (config {@code roles}, option {@code --roles}); every node also answers timebase probes. */
public enum Role {
    SAMPLER, SELECTOR, DISCIPLINE, API;

    /** As the config and the command line spell it: "sampler". */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
