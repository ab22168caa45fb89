package io.timemesh.deploy;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A running node's HTTP API, as the operator commands read it. */
final class NodeApi {
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** @throws IllegalArgumentException when {@code url} is not an http(s) URL with a host, saying why */
    NodeApi(String url) {
        URI uri;
        try {
            uri = new URI(url.endsWith("/") ? url : url + "/");
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--url '" + url + "' is not a URL: " + e.getReason()
                    + (e.getIndex() >= 0 ? " at character " + (e.getIndex() + 1) : "") + " (expected http://HOST:PORT)", e);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("--url '" + url + "' must be http://HOST:PORT or https://HOST:PORT");
        }
        this.base = uri;
    }

    JsonObject object(String path) throws IOException, InterruptedException {
        try {
            return new JsonObject(get(path));
        } catch (DecodeException | ClassCastException e) {
            throw new IOException(base.resolve(path) + " did not answer with a JSON object");
        }
    }

    JsonArray array(String path) throws IOException, InterruptedException {
        try {
            return new JsonArray(get(path));
        } catch (DecodeException | ClassCastException e) {
            throw new IOException(base.resolve(path) + " did not answer with a JSON array");
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        URI uri = base.resolve(path);
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IOException("cannot reach " + uri + ": " + (e.getMessage() == null ? e : e.getMessage()), e);
        }
        if (response.statusCode() != 200) {
            String reason = response.body();
            try {
                reason = new JsonObject(response.body()).getString("error", reason);
            } catch (DecodeException e) {
                // not JSON: show it as it is
            }
            throw new IOException(uri + " answered " + response.statusCode() + ": " + reason);
        }
        return response.body();
    }
}
