package io.timemesh.core.message;

/**
 * One source as the selector sees it, for GET /sources and {@code timemesh sources}. Times in
 * nanoseconds; null where there is no sample yet.
 *
 * @param state         what the selector made of it at its latest selection
 * @param reason        why it is in that state
 * @param offsetNs      the centre of the source's exact interval, whose half-width is {@code rootDistanceNs}
 * @param outliers      how many selections have called it a falseticker so far
 * @param auth          how its replies are authenticated: "NTS" or "none" ({@link SourceAuth})
 * @param ntsCookies    NTS cookies its sampler holds; null without NTS
 * @param ntsLastKeyExchangeNs when NTS-KE last succeeded (Unix-epoch nanoseconds); null without NTS or before one
 * @param estimateNs    the source's own point estimate (the regression over its window) carried to now at its
 *                      frequency
 * @param estimateErrorNs the regression's standard error of that estimate (0 when unknown)
 * @param frequencyPpm  how fast the source's offset changes against the selector's timescale, ppm (0 when unknown)
 */
public record SourceView(
        String address,
        SourceState state,
        String reason,
        Long offsetNs,
        Long delayNs,
        Long dispersionNs,
        Long jitterNs,
        Long rootDistanceNs,
        Integer stratum,
        String referenceId,
        int reach,
        Double lastSampleAgeSeconds,
        int pollSeconds,
        String samplerNode,
        long outliers,
        String auth,
        Integer ntsCookies,
        Long ntsLastKeyExchangeNs,
        Long estimateNs,
        Long estimateErrorNs,
        Double frequencyPpm) {
}
