package io.timemesh.api;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * A verticle's view of its node's disciplined clock: the newest {@link ClockModel} the discipline
 * published (node-local), read through the node's shared {@link MonotonicReader} so every server on
 * the node (HTTP, event bus, NTP) serves one time that never runs backwards.
 */
final class ClockView {
    private final TimeSource clock;
    private final MonotonicReader reader;
    /** Volatile: the NTP server reads it on threads of its own. */
    private volatile ClockModel model = ClockModel.unsynchronized(15e-6, 10_000_000_000L, 1.0);

    ClockView(TimeSource clock, MonotonicReader reader) {
        this.clock = clock;
        this.reader = reader;
    }

    /** Follows the discipline's models; completes when the subscription has reached the bus. */
    Future<Void> follow(Vertx vertx) {
        var bus = vertx.eventBus();
        var models = bus.<JsonObject>localConsumer(EventBusAddresses.CLOCK_MODEL,
                m -> model = m.body().mapTo(ClockModel.class));
        // A discipline that started first has a model already; ask once, quietly.
        // Node-local: another member (an uninvited one) must never be the one to answer with a clock model.
        bus.<JsonObject>request(EventBusAddresses.CLOCK_MODEL_REQUEST, null,
                        new DeliveryOptions().setLocalOnly(true).setSendTimeout(2_000))
                .onSuccess(m -> model = m.body().mapTo(ClockModel.class));
        return models.completion();
    }

    TimeReading read() {
        return read(model);
    }

    /** A reading of {@code model}, one of this view's: for a caller that uses that model again (a reply's header). */
    TimeReading read(ClockModel model) {
        return reader.read(model, clock.nowNanos());
    }

    ClockModel model() {
        return model;
    }

    long localNanos() {
        return clock.nowNanos();
    }

    MonotonicReader reader() {
        return reader;
    }
}
