package io.timemesh.core.exchange;

import java.util.Objects;

/** A failed exchange: the error and what exactly happened. */
public record ExchangeFailure(ExchangeError error, String detail) {

    public ExchangeFailure {
        Objects.requireNonNull(error, "error");
        detail = detail == null ? "" : detail;
    }

    /** "label: detail", for people. */
    public String message() {
        return detail.isEmpty() ? error.label() : error.label() + ": " + detail;
    }
}
