package io.timemesh.sampler;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Blocking name resolution, run off the event loop. Tests pass their own so they never query DNS.
 * A name may stand for several servers (a pool): {@link #resolveAll} gives them all.
 */
@FunctionalInterface
public interface HostResolver {
    HostResolver SYSTEM = InetAddress::getAllByName;

    /** Accepts IPv4 and IPv6 literals, which need no lookup, and refuses every name. */
    HostResolver IP_LITERALS_ONLY = host -> {
        if (isLiteral(host)) {
            return new InetAddress[] {InetAddress.getByName(host)}; // a literal: parsed, never looked up
        }
        throw new UnknownHostException(host + " (only IP addresses are resolved here)");
    };

    /**
     * A fixed table of names, as a hosts file is, read at each lookup (so a caller may change it while it
     * is used): every name to its IP literals. Names not in it are unknown; nothing is looked up.
     */
    static HostResolver table(Map<String, List<String>> names) {
        return host -> {
            List<String> addresses = names.get(host);
            if (addresses == null || addresses.isEmpty()) {
                throw new UnknownHostException(host + " (not in the table)");
            }
            InetAddress[] resolved = new InetAddress[addresses.size()];
            for (int i = 0; i < resolved.length; i++) {
                resolved[i] = IP_LITERALS_ONLY.resolve(addresses.get(i));
            }
            return resolved;
        };
    }

    /**
     * @return every address {@code host} stands for, at least one, in the resolver's order
     * @throws UnknownHostException when it stands for none
     */
    InetAddress[] resolveAll(String host) throws UnknownHostException;

    /** Whether {@code host} is written as an IPv4 or IPv6 address, which needs no lookup. */
    static boolean isLiteral(String host) {
        return Literals.IPV4.matcher(host).matches() || host.indexOf(':') >= 0;
    }

    /** The first address {@code host} stands for, the one a plain source asks. */
    default InetAddress resolve(String host) throws UnknownHostException {
        return resolveAll(host)[0];
    }

    /** Holder for the literal patterns (interfaces cannot have private fields). */
    final class Literals {
        private Literals() {}

        static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    }
}
