package io.timemesh.sampler;

import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.exchange.SourceEstimate;

/** What one event (a datagram, a timeout) did to a source's exchange in flight. */
public sealed interface ExchangeStep {

    /** The exchange ended with a new sample; the estimate is the source's after adding it. */
    record Sampled(NtpSample sample, SourceEstimate estimate) implements ExchangeStep {}

    /** The exchange ended without a sample. */
    record Failed(ExchangeFailure failure) implements ExchangeStep {}

    /** The datagram was dropped (forged, stale, garbage); the exchange goes on waiting. */
    record Dropped(ExchangeFailure failure) implements ExchangeStep {}

    /** Nothing was in flight: a late or unsolicited datagram, ignored. */
    record Unsolicited() implements ExchangeStep {}

    default boolean ended() {
        return this instanceof Sampled || this instanceof Failed;
    }
}
