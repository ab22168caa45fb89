package io.timemesh.sampler.nts;

import java.nio.file.Path;

/**
 * How a source is authenticated with NTS (RFC 8915): what a source entry with {@code "nts": true} says
 * ({@link io.timemesh.sampler.SourceEntry}), or {@code timemesh query --nts}.
 *
 * @param kePort              the NTS-KE server's TCP port on the source's host (default 4460, RFC 8915 §6)
 * @param trustedCertificates PEM file of the certificates to trust, or null for the JDK's trust store
 */
public record NtsSourceSettings(int kePort, Path trustedCertificates) {}
