package io.timemesh.core;

/** Which errors leave the JVM unfit to go on serving: the node's fatal-error handler and its serving threads ask. */
public final class FatalError {
    private FatalError() {}

    /**
     * Whether {@code error} or one of its causes is a {@link VirtualMachineError} (out of memory, internal error) but
     * a stack overflow, which unwinds cleanly and is one request's problem only.
     */
    public static boolean in(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
                return true;
            }
        }
        return false;
    }
}
