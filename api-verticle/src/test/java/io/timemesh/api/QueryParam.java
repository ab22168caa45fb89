package io.timemesh.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One query parameter exactly as it travels, escapes and garbage included.
 *
 * @param name  the name on the wire
 * @param value the value on the wire; null for a bare name without '='
 */
record QueryParam(String name, String value) {

    String wire() {
        return value == null ? name : name + "=" + value;
    }

    static String query(List<QueryParam> params) {
        return String.join("&", params.stream().map(QueryParam::wire).toList());
    }

    /**
     * The values given for one name, decoded as the server decodes a query: split at '&' and at ';' (Netty's
     * QueryStringDecoder keeps that old HTML rule), '+' read as a space, the name matched whatever its case (as
     * vertx-web matches it); empty when an escape anywhere in the query is broken.
     */
    static Optional<List<String>> decodedValues(List<QueryParam> params, String name) {
        List<String> values = new ArrayList<>();
        try {
            for (String piece : query(params).split("[&;]")) {
                int equals = piece.indexOf('=');
                String pieceName = decode(equals < 0 ? piece : piece.substring(0, equals));
                String value = equals < 0 ? "" : decode(piece.substring(equals + 1));
                if (pieceName.equalsIgnoreCase(name)) {
                    values.add(value);
                }
            }
        } catch (IllegalArgumentException brokenEscape) {
            return Optional.empty();
        }
        return Optional.of(values);
    }

    private static String decode(String wire) {
        return URLDecoder.decode(wire, StandardCharsets.UTF_8);
    }
}
