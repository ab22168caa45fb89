package io.timemesh.core.message;

import io.timemesh.core.nts.NtsClientSession;

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

    /**
     * @throws IllegalArgumentException when a name is missing, it claims anything but NTS (a plain source sends
     *         none), more cookies than a jar holds ({@link io.timemesh.core.nts.NtsClientSession#MAX_COOKIES}), or a
     *         negative time: a malformed message
     */
    public SourceAuth {
        if (source == null || samplerNode == null || !NTS.equals(auth)) {
            throw new IllegalArgumentException("an authentication names its source and sampler, and says NTS");
        }
        if (cookies < 0 || cookies > NtsClientSession.MAX_COOKIES || lastKeyExchangeNanos < 0) {
            throw new IllegalArgumentException("an authentication holds 0.." + NtsClientSession.MAX_COOKIES
                    + " cookies and a key exchange at or after the epoch");
        }
    }
}
