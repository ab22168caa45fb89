package io.timemesh.api;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.TimeReading;
import io.vertx.core.json.JsonObject;

/** GET /status: tracking in the spirit of {@code chronyc tracking}. */
final class StatusJson {
    private StatusJson() {}

    static JsonObject of(ClockModel model, TimeReading reading, long nowLocalNanos) {
        JsonObject json = new JsonObject()
                .put("status", reading.status().name())
                .put("stratum", reading.stratum())
                .put("leap", reading.leap().label())
                .put("systemPeer", model.systemPeer())
                .put("referenceSelector", model.selectorNode())
                .put("referenceSequence", model.referenceSequence())
                .put("updates", model.updates());
        if (!model.referenced()) {
            return json.put("errorBoundSeconds", null);
        }
        return json
                .put("lastOffsetSeconds", model.lastOffsetSeconds())
                .put("lastStep", model.lastStep())
                .put("frequencyPpm", model.frequency() * 1e6)
                .put("skewPpm", model.frequencySkew() * 1e6)
                .put("residualSeconds", model.remainingResidualSeconds(nowLocalNanos))
                .put("slewRatePpm", model.slewRate() * 1e6)
                .put("rootDelaySeconds", model.rootDelaySeconds())
                .put("rootDispersionSeconds", model.rootDispersionSeconds())
                .put("errorBoundSeconds", model.errorBoundSeconds(nowLocalNanos))
                .put("halfWidthSeconds", model.halfWidthSeconds(nowLocalNanos))
                .put("boundGrowthPpm", model.boundGrowthRate() * 1e6)
                .put("lastUpdateAgeSeconds", (nowLocalNanos - model.referenceLocalNanos()) / 1e9);
    }
}
