package io.timemesh.core.nts;

/**
 * An NTS message that breaks RFC 8915 (a malformed or refused NTS-KE record, a packet that does not
 * authenticate): its message is the reason reported for the source, never a stack trace.
 */
public final class NtsException extends Exception {
    public NtsException(String reason) {
        super(reason, null, false, false);
    }
}
