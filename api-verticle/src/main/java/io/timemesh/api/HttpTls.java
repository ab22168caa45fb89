package io.timemesh.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.timemesh.core.settings.SettingException;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ClientAuth;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * HTTPS for the HTTP API: the config section {@code "http": {"tls": {"certFile": "node.pem", "keyFile":
 * "node-key.pem", "trustFile": "clients-ca.pem", "clientAuth": "required"}}}. With it the API's port speaks TLS only
 * (HTTP/1.1; no HTTP/2 by ALPN), and a plain-HTTP request to it is closed unanswered. Bound by
 * {@link io.timemesh.core.settings.Settings}, which so checks the files (reading them: bind it off event loops).
 *
 * @param certFile   PEM certificate chain, the server's first (required)
 * @param keyFile    its unencrypted PEM private key (required)
 * @param trustFile  PEM certificates of the clients (or their authorities) to accept, or null; needed for
 *                   {@code clientAuth} request or required, and used only with them
 * @param clientAuth whether clients must show a certificate the trust file vouches for: {@code none} (default),
 *                   {@code request} (asked for, but a client without one is served too) or {@code required}
 *                   (a client without one is refused in the handshake)
 * @throws SettingException when {@code clientAuth} asks for certificates without a trust file, or a trust file is
 *                          given that {@code clientAuth} none would not use; naming {@code certFile}, {@code keyFile}
 *                          or {@code trustFile} and the file when it is missing, unreadable, not PEM, or a key that
 *                          is not the certificate's ({@link PemTls#check})
 */
public record HttpTls(@JsonProperty(required = true) Path certFile, @JsonProperty(required = true) Path keyFile,
                      Path trustFile, ClientAuth clientAuth) {

    public HttpTls {
        clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
        if (clientAuth != ClientAuth.NONE && trustFile == null) {
            throw SettingException.rule("trustFile", "is missing: clientAuth \"" + clientAuth.name().toLowerCase(Locale.ROOT)
                    + "\" checks client certificates against it");
        }
        if (clientAuth == ClientAuth.NONE && trustFile != null) {
            throw SettingException.rule("trustFile", "is given, but clientAuth is \"none\": set clientAuth to "
                    + "\"request\" or \"required\" to check client certificates against it");
        }
        PemTls.check(certFile, keyFile, trustFile);
    }

    /**
     * Sets {@code options} up for TLS with these files. A handshake must be done within the request-head deadline
     * ({@code headTimeoutMillis}), so that a socket that never finishes one is held no longer than one that never
     * sends a request.
     */
    HttpServerOptions apply(HttpServerOptions options, int headTimeoutMillis) {
        options.setSsl(true).setKeyCertOptions(PemTls.keyCert(certFile, keyFile)).setClientAuth(clientAuth)
                .setSslHandshakeTimeout(headTimeoutMillis).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
        return trustFile == null ? options : options.setTrustOptions(PemTls.trust(trustFile));
    }
}
