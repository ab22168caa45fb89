package io.timemesh.sampler.nts;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whether a server certificate names the host we connected to (RFC 6125 §6, as RFC 8915 §3 asks): an IP
 * address must be an iPAddress subject alternative name; a DNS name must match a dNSName, where "*" may
 * stand for the whole left-most label only. The subject's common name is not consulted (RFC 6125 §6.4.4
 * allows it only without any DNS-ID; browsers and the JDK's HTTPS check no longer use it).
 */
final class HostnameCheck {
    private static final int DNS_NAME = 2;
    private static final int IP_ADDRESS = 7;
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private HostnameCheck() {}

    /** True for an IPv4 dotted quad or an IPv6 literal, which name no DNS lookup. */
    static boolean isAddressLiteral(String host) {
        return IPV4.matcher(host).matches() || host.indexOf(':') >= 0;
    }

    /**
     * @throws CertificateException naming the host and the names the certificate holds, when none matches
     */
    static void check(X509Certificate certificate, String host) throws CertificateException {
        List<String> names = new ArrayList<>();
        boolean literal = isAddressLiteral(host);
        for (List<?> entry : alternativeNames(certificate)) {
            int type = (Integer) entry.get(0);
            String value = String.valueOf(entry.get(1));
            names.add(value);
            if (literal && type == IP_ADDRESS && sameAddress(value, host)) {
                return;
            }
            if (!literal && type == DNS_NAME && dnsMatches(value, host)) {
                return;
            }
        }
        throw new CertificateException("certificate is not for " + host + " (it names " + (names.isEmpty() ? "nothing"
                : String.join(", ", names)) + ")");
    }

    private static Collection<List<?>> alternativeNames(X509Certificate certificate) throws CertificateParsingException {
        Collection<List<?>> names = certificate.getSubjectAlternativeNames();
        return names == null ? List.of() : names;
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b)); // literals: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static boolean dnsMatches(String pattern, String host) {
        String p = strip(pattern);
        String h = strip(host);
        if (!p.startsWith("*.")) {
            return p.equals(h);
        }
        int dot = h.indexOf('.');
        return dot > 0 && h.substring(dot).equals(p.substring(1)) && p.indexOf('.', 2) > 0;
    }

    private static String strip(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
