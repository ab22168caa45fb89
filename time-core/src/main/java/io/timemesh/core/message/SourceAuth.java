package io.timemesh.core.message;

/**
 * How a source's replies are authenticated, sent by its sampler after every poll of a source with NTS
 * (RFC 8915) in the {@link SampleBatch} that carries the poll's sample; a source never described by one is
 * unauthenticated ("none").
 *
 * @param source                 the source as configured ("host:port")
 * @param samplerNode            the sampler polling it
 * @param auth                   "NTS"
 * @param cookies                NTS cookies held (0..8): each request spends one
 * @param lastKeyExchangeNanos   when NTS-KE last succeeded, Unix-epoch nanoseconds on the sampler's timescale,
 *                               or 0 before it ever did
 */
public record SourceAuth(String source, String samplerNode, String auth, int cookies, long lastKeyExchangeNanos) {
    public static final String NTS = "NTS";
    public static final String NONE = "none";
}
