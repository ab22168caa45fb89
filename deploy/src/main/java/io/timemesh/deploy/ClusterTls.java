package io.timemesh.deploy;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.timemesh.api.PemTls;
import io.timemesh.core.settings.SettingException;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import java.nio.file.Path;

/**
 * TLS with mutual authentication on the clustered event bus: the config section {@code "cluster": {"tls":
 * {"certFile": "node.pem", "keyFile": "node-key.pem", "trustFile": "cluster-ca.pem"}}} (options
 * {@code --cluster-tls-cert}, {@code --cluster-tls-key}, {@code --cluster-tls-trust}). Every member's event-bus
 * server asks for a certificate and every member's connection checks the server's, both against the trust file, so a
 * process without a certificate the trust file vouches for can neither send to the members nor receive from them.
 * The names in the certificates are not checked (Vert.x's event bus does not verify host names), only that a
 * trusted authority issued them: give the trust file the cluster's own authority, not a public one. Hazelcast's own
 * traffic (membership, maps, leases, the event-bus subscriptions) is not encrypted by it: open-source Hazelcast
 * cannot. Bound by {@link io.timemesh.core.settings.Settings}, which checks the files before anything starts.
 *
 * @param certFile  PEM certificate chain of this member, its certificate first
 * @param keyFile   its unencrypted PEM private key
 * @param trustFile PEM certificates of the members' authority (or of each member)
 * @throws SettingException naming {@code certFile}, {@code keyFile} or {@code trustFile} and the file: missing,
 *                          unreadable, not PEM, or a key that is not the certificate's ({@link PemTls#check})
 */
public record ClusterTls(@JsonProperty(required = true) Path certFile, @JsonProperty(required = true) Path keyFile,
                         @JsonProperty(required = true) Path trustFile) {

    public ClusterTls {
        PemTls.check(certFile, keyFile, trustFile);
    }

    /** {@code bus} with TLS on, this member's certificate and key, the trust file, and client certificates required. */
    EventBusOptions apply(EventBusOptions bus) {
        return bus.setSsl(true).setKeyCertOptions(PemTls.keyCert(certFile, keyFile))
                .setTrustOptions(PemTls.trust(trustFile)).setClientAuth(ClientAuth.REQUIRED);
    }
}
