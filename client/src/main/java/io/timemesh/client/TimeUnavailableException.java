package io.timemesh.client;

/** The node could not give a bounded time: unreachable, or not synchronised. */
public final class TimeUnavailableException extends Exception {
    public TimeUnavailableException(String message) {
        super(message);
    }

    public TimeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
