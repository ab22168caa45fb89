package io.timemesh.api;

import io.timemesh.core.message.SourceState;
import java.math.BigInteger;
import java.util.List;
import java.util.OptionalInt;

/**
 * The API's documented behaviour (README, "The HTTP API"), written apart from the verticle's own checks, for a
 * synchronised node whose selector answers: {@code state} is at most one of the source states, {@code decisions}
 * at most one whole number from 0 to {@link ApiVerticle#MAX_DECISIONS} (10 when absent), anything else a 400, as
 * is a query whose escapes do not decode; HEAD is answered as GET; a route's other methods are a 405.
 */
final class ApiRules {

    static final List<String> ANSWERING_ROUTES =
            List.of("/time", "/health/live", "/health/ready", "/metrics", "/", "/assets/dashboard.js");
    static final List<String> MISSING_FILES = List.of("/assets/x", "/webjars/x");
    static final List<String> PARAMETER_ROUTES = List.of("/sources", "/status");

    private static final int DEFAULT_DECISIONS = 10;

    private ApiRules() {
    }

    /** What a route of ours must answer; empty for a path no route serves, where any answer but a 5xx will do. */
    static OptionalInt expectedStatus(String method, String path, List<QueryParam> params) {
        boolean parameters = PARAMETER_ROUTES.contains(path);
        boolean missing = MISSING_FILES.contains(path);
        if (!parameters && !missing && !ANSWERING_ROUTES.contains(path)) {
            return OptionalInt.empty();
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return OptionalInt.of(405);
        }
        return OptionalInt.of(parameters ? parameterStatus(path, params) : missing ? 404 : 200);
    }

    /** How many decisions a valid /status query asks the selector for. */
    static int expectedDecisions(List<QueryParam> params) {
        return QueryParam.decodedValues(params, "decisions").orElseThrow().stream().findFirst()
                .map(Integer::parseInt).orElse(DEFAULT_DECISIONS);
    }

    private static int parameterStatus(String path, List<QueryParam> params) {
        boolean valid = path.equals("/sources")
                ? QueryParam.decodedValues(params, "state")
                        .map(v -> v.isEmpty() || v.size() == 1 && SourceState.labels().contains(v.get(0)))
                        .orElse(false)
                : QueryParam.decodedValues(params, "decisions")
                        .map(v -> v.isEmpty() || v.size() == 1 && isDecisionCount(v.get(0)))
                        .orElse(false);
        return valid ? 200 : 400;
    }

    /** A whole number in ASCII decimal digits, optionally signed, from 0 to the limit. */
    private static boolean isDecisionCount(String value) {
        return value.matches("[+-]?[0-9]+") && new BigInteger(value).signum() >= 0
                && new BigInteger(value).compareTo(BigInteger.valueOf(ApiVerticle.MAX_DECISIONS)) <= 0;
    }
}
