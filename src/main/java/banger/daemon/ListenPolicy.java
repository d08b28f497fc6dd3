package banger.daemon;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Where the API may listen. It runs VMs as root for anyone holding the token, so by default it listens on
 * loopback only; another address needs {@code banger.api.allow-non-loopback = true}, and then the bearer
 * token is its only protection (no TLS), which the daemon says at start.
 */
final class ListenPolicy {

    private ListenPolicy() {
    }

    /**
     * @return a warning to log when a non-loopback address is allowed; empty for loopback
     * @throws IllegalArgumentException for a non-loopback address that is not allowed, or a host that does
     *                                  not resolve
     */
    static String check(String host, boolean allowNonLoopback) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("banger.listen host '" + host + "' does not resolve");
        }
        if (Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress)) {
            return "";
        }
        if (!allowNonLoopback) {
            throw new IllegalArgumentException("banger.listen " + host + " is not a loopback address: the API would"
                    + " be reachable from the network, protected only by its bearer token over plain HTTP. Listen on"
                    + " 127.0.0.1, or set banger.api.allow-non-loopback = true to accept that");
        }
        return "the API listens on " + host + ", beyond loopback: only the bearer token (sent in clear over HTTP)"
                + " protects it; anyone who can read <state-dir>/api.token or the traffic controls every VM";
    }
}
