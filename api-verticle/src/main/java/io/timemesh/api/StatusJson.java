package io.timemesh.api;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.LeapSecond;
import io.timemesh.core.clock.PanicRefusals;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.ntp.RootFields;
import io.vertx.core.json.JsonObject;

/** GET /status: tracking in the spirit of {@code chronyc tracking}. */
final class StatusJson {
    private StatusJson() {}

    static JsonObject of(ClockModel model, TimeReading reading, long nowLocalNanos) {
        PanicRefusals panic = model.tracking().panic();
        JsonObject json = new JsonObject()
                .put("status", reading.status().name())
                .put("stratum", reading.stratum())
                .put("leap", reading.leap().label())
                .put("leapSecond", leapSecond(model.leapSecond()))
                .put("systemPeer", model.upstream().systemPeer())
                .put("referenceSelector", model.upstream().selectorNode())
                .put("referenceSequence", model.upstream().referenceSequence())
                .put("updates", model.tracking().updates())
                .put("panicRefusals", panic == null ? null : new JsonObject()
                        .put("count", panic.count())
                        .put("lastOffsetSeconds", panic.lastOffsetSeconds())
                        .put("lastAt", TimeJson.rfc3339(model.read(panic.lastLocalNanos()).nowNanos()))
                        .put("lastAgeSeconds", (nowLocalNanos - panic.lastLocalNanos()) / 1e9)
                        .put("lastSystemPeer", panic.lastSystemPeer())
                        .put("thresholdSeconds", panic.thresholdSeconds()));
        if (!model.referenced()) {
            return json.put("errorBoundSeconds", null);
        }
        // What was served: a hold after a backward step keeps "now" ahead of V and widens the bound up to it.
        double heldSeconds = (reading.nowNanos() - model.read(nowLocalNanos).nowNanos()) / 1e9;
        // As chronyc tracking shows them: the reference's, not aged.
        RootFields root = model.referenceRootFields();
        return json
                .put("lastOffsetSeconds", model.tracking().lastOffsetSeconds())
                .put("lastStep", model.tracking().lastStep())
                .put("frequencyPpm", model.correction().frequency() * 1e6)
                .put("skewPpm", model.tracking().frequencySkew() * 1e6)
                .put("residualSeconds", model.remainingResidualSeconds(nowLocalNanos))
                .put("slewRatePpm", model.correction().slewRate() * 1e6)
                .put("rootDelaySeconds", root.delaySeconds())
                .put("rootDispersionSeconds", root.dispersionSeconds())
                .put("errorBoundSeconds", reading.bounded() ? reading.errorBoundNanos() / 1e9
                        : model.errorBoundSeconds(nowLocalNanos))
                .put("heldSeconds", Math.max(0, heldSeconds))
                .put("halfWidthSeconds", model.halfWidthSeconds(nowLocalNanos))
                .put("boundGrowthPpm", model.boundGrowthRate() * 1e6)
                .put("lastUpdateAgeSeconds", (nowLocalNanos - model.bound().referenceLocalNanos()) / 1e9);
    }

    /** The leap second announced or under way: its midnight, insert or delete, and how it is served. */
    private static JsonObject leapSecond(LeapSecond leap) {
        return leap == null ? null : new JsonObject()
                .put("midnight", TimeJson.rfc3339(leap.midnightNanos()))
                .put("leap", leap.insert() ? "insert" : "delete")
                .put("mode", leap.mode().label());
    }
}
