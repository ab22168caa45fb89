package io.timemesh.selector;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.settings.Settings;
import io.timemesh.core.message.Reference;
import io.timemesh.core.time.ManualTimeSource;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SelectionPublisherTest {

    private final Selector selector = new Selector(Settings.bind(SelectorSettings.class, "{\"nodeName\": \"node-s\"}"));
    /** The stores under way or done, in order, with the state each was given. */
    private final List<Promise<Void>> stores = new ArrayList<>();
    private final List<SelectorState> stored = new ArrayList<>();
    private final List<Reference> published = new ArrayList<>();
    private final SelectionPublisher publisher = new SelectionPublisher(selector, new ManualTimeSource(0),
            node -> Optional.empty(), this::store, published::add);

    private Future<Void> store(SelectorState state) {
        stored.add(state);
        Promise<Void> promise = Promise.promise();
        stores.add(promise);
        return promise.future();
    }

    @Test
    void aReferenceGoesOutOnlyOnceTheStateHoldingItsSequenceIsStored() {
        publisher.select();
        assertThat(stored).singleElement().satisfies(state -> assertThat(state.sequence()).isEqualTo(1));
        assertThat(published).isEmpty(); // a successor reading the map now would not know sequence 1

        stores.get(0).complete();
        assertThat(published).singleElement().satisfies(reference -> assertThat(reference.id().sequence()).isEqualTo(1));
    }

    @Test
    void selectionsAskedForDuringAStoreRunAsOneAfterIt() {
        publisher.select();
        publisher.select();
        publisher.select();
        assertThat(selector.history()).hasSize(1);

        stores.get(0).complete();
        assertThat(selector.history()).hasSize(2);
        assertThat(stored).extracting(SelectorState::sequence).containsExactly(1L, 2L);
        assertThat(published).extracting(r -> r.id().sequence()).containsExactly(1L);

        stores.get(1).complete();
        assertThat(published).extracting(r -> r.id().sequence()).containsExactly(1L, 2L);
    }

    @Test
    void aReferenceWhoseStateWasNotStoredIsNeverPublished() {
        publisher.select();
        stores.get(0).fail("cluster map unreachable");
        publisher.select();
        stores.get(1).complete();
        assertThat(published).extracting(r -> r.id().sequence()).containsExactly(2L);
    }

    @Test
    void afterLeadershipEndsNothingMoreIsSelectedOrPublished() {
        publisher.select();
        publisher.select();
        publisher.stop();
        stores.get(0).complete();
        publisher.select();
        assertThat(published).isEmpty();
        assertThat(selector.history()).hasSize(1);
    }
}
