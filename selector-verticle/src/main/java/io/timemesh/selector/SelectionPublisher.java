package io.timemesh.selector;

import io.timemesh.core.message.Reference;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs the leader's selections one at a time and publishes each reference only once the state
 * holding its sequence is stored. A successor continues from the stored sequence, so even when the
 * leader's node dies between the two, no reference the nodes have seen is numbered again: the worst
 * is a number never published. Selections asked for while a store is under way run as one after it,
 * on the newest samples.
 */
final class SelectionPublisher {
    private final Selector selector;
    private final TimeSource clock;
    private final Selector.Links links;
    private final Function<SelectorState, Future<?>> store;
    private final Consumer<Reference> publish;
    private boolean storing;
    private boolean wanted;
    private boolean stopped;

    SelectionPublisher(Selector selector, TimeSource clock, Selector.Links links,
                       Function<SelectorState, Future<?>> store, Consumer<Reference> publish) {
        this.selector = selector;
        this.clock = clock;
        this.links = links;
        this.store = store;
        this.publish = publish;
    }

    void select() {
        if (stopped) {
            return;
        }
        if (storing) {
            wanted = true;
            return;
        }
        storing = true;
        Reference reference = selector.select(clock.nowNanos(), links);
        store.apply(selector.state()).onComplete(stored -> {
            storing = false;
            if (stored.succeeded() && !stopped) {
                publish.accept(reference);
            }
            if (wanted) {
                wanted = false;
                select();
            }
        });
    }

    /** No more selections or references: leadership has ended. */
    void stop() {
        stopped = true;
    }
}
