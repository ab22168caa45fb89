package io.timemesh.core.message;

/**
 * A failed exchange with a source, or a source the sampler stopped polling.
 *
 * @param error   the error's label, e.g. "timeout", "kiss code"
 * @param detail  what exactly happened, e.g. "DENY"
 * @param stopped true when the sampler no longer polls this source (kiss DENY/RSTR)
 */
public record SourceFault(
        String source,
        String address,
        String samplerNode,
        long atNanos,
        String error,
        String detail,
        int reach,
        boolean stopped) {
}
