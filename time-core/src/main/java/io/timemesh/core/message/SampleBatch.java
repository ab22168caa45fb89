package io.timemesh.core.message;

import java.util.List;
import java.util.Objects;

/**
 * The samples one sampler made over a few milliseconds, published as one sealed message on
 * {@link EventBusAddresses#SAMPLES}: at a thousand sources a second, one seal, one MAC and one event-bus
 * message per batch instead of per sample. A wire type; its sender is every sample's sampler.
 *
 * @param samples in the order they were made, at least one
 */
public record SampleBatch(List<SourceSample> samples) {
    /** @throws IllegalArgumentException when it holds no sample, or a missing one (a malformed message) */
    public SampleBatch {
        if (samples == null || samples.isEmpty() || samples.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("a sample batch holds one sample or more");
        }
        samples = List.copyOf(samples);
    }
}
