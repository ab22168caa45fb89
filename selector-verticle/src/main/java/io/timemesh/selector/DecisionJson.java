package io.timemesh.selector;

import io.timemesh.core.message.Reference;
import io.timemesh.core.ntp.RootFields;
import io.vertx.core.json.JsonObject;

/**
 * One selection as /status (and {@code timemesh selection}) show it: the public HTTP API's flat field names
 * ({@code selectorNode}, {@code sequence}, …, {@code lowSeconds}, {@code highSeconds}, {@code rootDistanceSeconds},
 * {@code rootDelaySeconds}, {@code rootDispersionSeconds}, {@code regionLowSeconds}, …), whatever shape the
 * {@link Reference} has on the wire. The root fields are derived here from the interval and the system peer's
 * path ({@link RootFields}); without a majority they and the interval are 0, as they always were.
 */
final class DecisionJson {
    private DecisionJson() {}

    static JsonObject of(Reference reference) {
        JsonObject json = JsonObject.mapFrom(reference.id())
                .put("status", reference.status().name())
                .put("offsetSeconds", reference.offsetSeconds());
        if (reference.interval() == null) {
            json.put("lowSeconds", 0.0).put("highSeconds", 0.0).put("rootDistanceSeconds", 0.0)
                    .put("rootDelaySeconds", 0.0).put("rootDispersionSeconds", 0.0);
        } else {
            double rootDistance = reference.rootDistanceSeconds();
            RootFields root = RootFields.carrying(rootDistance, reference.peer().rootDelaySeconds());
            json.put("lowSeconds", reference.interval().low()).put("highSeconds", reference.interval().high())
                    .put("rootDistanceSeconds", rootDistance)
                    .put("rootDelaySeconds", root.delaySeconds()).put("rootDispersionSeconds", root.dispersionSeconds());
        }
        json.put("regionLowSeconds", reference.region().low()).put("regionHighSeconds", reference.region().high());
        json.mergeIn(JsonObject.mapFrom(reference.vote()));
        JsonObject peer = JsonObject.mapFrom(reference.peer());
        peer.remove("rootDelaySeconds"); // the path's, not NTP's root delay: that one is derived above
        return json.mergeIn(peer);
    }
}
