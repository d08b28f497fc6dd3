package banger.guest;

import banger.network.Ipv4;

import java.util.regex.Pattern;

/**
 * What a guest needs to know before its first boot. Validated here, because the values end up in shell-sourced
 * env files and config files inside the guest.
 *
 * @param hostname      the VM's name, a DNS label
 * @param addressCidr   the guest's address with prefix, "172.30.0.2/24"
 * @param gateway       the bridge's address
 * @param dns           the resolver the guest uses (banger's DNS server on the gateway)
 * @param authorizedKey one OpenSSH public key line for root
 * @param hostKey       the guest's own SSH host key, which the daemon pins; null leaves the guest to make one
 */
public record GuestConfig(String hostname, String addressCidr, String gateway, String dns, String authorizedKey,
                          GuestHostKeys.HostKey hostKey) {

    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern PUBLIC_KEY = Pattern.compile("(ssh|ecdsa|sk)-[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\\r\\n]*)?");

    public GuestConfig {
        if (hostname == null || !HOSTNAME.matcher(hostname).matches()) {
            throw new IllegalArgumentException("hostname '" + hostname + "' is not a DNS label");
        }
        int slash = addressCidr == null ? -1 : addressCidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("guest address '" + addressCidr + "' is not A.B.C.D/N");
        }
        Ipv4.parse(addressCidr.substring(0, slash));
        String prefix = addressCidr.substring(slash + 1);
        if (!prefix.matches("[0-9]{1,2}") || Integer.parseInt(prefix) < 1 || Integer.parseInt(prefix) > 32) {
            throw new IllegalArgumentException("guest address '" + addressCidr + "' has no valid prefix length");
        }
        Ipv4.parse(gateway);
        Ipv4.parse(dns);
        if (authorizedKey == null || !PUBLIC_KEY.matcher(authorizedKey).matches()) {
            throw new IllegalArgumentException("authorized key is not a single OpenSSH public key line");
        }
    }

    public GuestConfig(String hostname, String addressCidr, String gateway, String dns, String authorizedKey) {
        this(hostname, addressCidr, gateway, dns, authorizedKey, null);
    }

    public String address() {
        return addressCidr.substring(0, addressCidr.indexOf('/'));
    }
}
