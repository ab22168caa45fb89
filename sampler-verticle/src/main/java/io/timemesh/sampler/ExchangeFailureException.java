package io.timemesh.sampler;

import io.timemesh.core.exchange.ExchangeFailure;

/** Carries an {@link ExchangeFailure} through a failed future. */
public final class ExchangeFailureException extends RuntimeException {
    private final transient ExchangeFailure failure;

    public ExchangeFailureException(ExchangeFailure failure) {
        super(failure.message(), null, false, false);
        this.failure = failure;
    }

    public ExchangeFailure failure() {
        return failure;
    }
}
