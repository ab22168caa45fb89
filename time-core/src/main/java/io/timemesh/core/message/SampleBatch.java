package io.timemesh.core.message;

import java.util.List;
import java.util.Objects;

/**
 * The samples one sampler made over a few milliseconds, with how it authenticated the sources that have
 * NTS, published as one sealed message on {@link EventBusAddresses#SAMPLES}: at a thousand sources a second,
 * one seal, one MAC and one event-bus message per batch instead of per sample. A wire type; its sender is
 * every sample's and every authentication's sampler.
 *
 * <p>An NTS source's authentication travels in the batch that carries its sample, so a selector never holds
 * the sample without it (it read "none" for a moment when the two were separate messages).
 *
 * @param samples in the order they were made; may be empty when {@code auths} is not
 * @param auths   the newest {@link SourceAuth} of each NTS source polled since the last batch, sent with
 *                its samples or after a failed poll (its cookies and key exchange); absent (null) means none
 */
public record SampleBatch(List<SourceSample> samples, List<SourceAuth> auths) {
    /** @throws IllegalArgumentException when it holds nothing, or a missing entry (a malformed message) */
    public SampleBatch {
        samples = samples == null ? List.of() : samples;
        auths = auths == null ? List.of() : auths;
        if (samples.isEmpty() && auths.isEmpty()) {
            throw new IllegalArgumentException("a sample batch holds one sample or authentication or more");
        }
        if (samples.stream().anyMatch(Objects::isNull) || auths.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("a sample batch holds no missing entry");
        }
        samples = List.copyOf(samples);
        auths = List.copyOf(auths);
    }
}
