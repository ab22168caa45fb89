package io.timemesh.client;

/** Reads a node's {@code /time} answer into a {@link BoundedTime}, the same way for every transport. */
final class TimeAnswers {
    private TimeAnswers() {
    }

    /**
     * @param where      what was asked, for the error message
     * @param ok         whether the transport delivered a successful answer (HTTP 200)
     * @param status     the answer's {@code status}, or null
     * @param earliestNs the answer's {@code earliestNs} (decimal string, Unix-epoch ns), or null before synchronisation
     * @param latestNs   the answer's {@code latestNs}, or null
     * @param roundTrip  ns from sending the request to receiving the answer, added to {@code latest}: the node
     *                   read its clock somewhere in between
     * @throws TimeUnavailableException when the answer holds no bound or says UNSYNCHRONIZED
     */
    static BoundedTime read(String where, boolean ok, String status, String earliestNs, String latestNs, long roundTrip)
            throws TimeUnavailableException {
        TimeStatus parsed = parse(status);
        if (!ok || earliestNs == null || latestNs == null || parsed == null || parsed == TimeStatus.UNSYNCHRONIZED) {
            throw new TimeUnavailableException(where + " has no bounded time: status " + status);
        }
        try {
            return new BoundedTime(new TimeInterval(Long.parseLong(earliestNs), Long.parseLong(latestNs) + roundTrip), parsed);
        } catch (IllegalArgumentException e) { // NumberFormatException, or earliest after latest
            throw new TimeUnavailableException(where + " answered a malformed interval [" + earliestNs + ", " + latestNs + "]", e);
        }
    }

    private static TimeStatus parse(String status) {
        for (TimeStatus s : TimeStatus.values()) {
            if (s.name().equals(status)) {
                return s;
            }
        }
        return null;
    }
}
