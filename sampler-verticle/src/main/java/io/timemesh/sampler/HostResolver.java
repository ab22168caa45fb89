package io.timemesh.sampler;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Blocking name resolution, run off the event loop. Tests pass their own so they never query DNS. */
@FunctionalInterface
public interface HostResolver {
    HostResolver SYSTEM = InetAddress::getByName;

    InetAddress resolve(String host) throws UnknownHostException;
}
