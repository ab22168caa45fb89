package io.timemesh.core.exchange;

/** What a kiss-o'-death asks of us (RFC 5905 §7.4). */
public enum KissCode {
    /** RATE: we poll too often; slow down. */
    SLOW_DOWN,
    /** DENY or RSTR: access refused; stop polling this server. */
    STOP,
    /** Any other code, including experimental X… codes: no change in behaviour. */
    IGNORE;

    public static KissCode of(String code) {
        return switch (code) {
            case "RATE" -> SLOW_DOWN;
            case "DENY", "RSTR" -> STOP;
            default -> IGNORE;
        };
    }
}
