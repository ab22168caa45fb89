package io.timemesh.sampler;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Blocking name resolution, run off the event loop. Tests pass their own so they never query DNS. */
@FunctionalInterface
public interface HostResolver {
    HostResolver SYSTEM = InetAddress::getByName;

    /** Accepts IPv4 and IPv6 literals, which need no lookup, and refuses every name. */
    HostResolver IP_LITERALS_ONLY = host -> {
        if (Literals.IPV4.matcher(host).matches() || host.indexOf(':') >= 0) {
            return InetAddress.getByName(host); // a literal: parsed, never looked up
        }
        throw new UnknownHostException(host + " (only IP addresses are resolved here)");
    };

    InetAddress resolve(String host) throws UnknownHostException;

    /** Holder for the literal patterns (interfaces cannot have private fields). */
    final class Literals {
        private Literals() {}

        static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    }
}
