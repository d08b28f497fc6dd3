package banger.network;

/**
 * An IPv4 subnet for guests. The first host address is the gateway (the bridge's address); guests get the
 * addresses after it, never the network or broadcast address.
 *
 * @param network      the network address as an unsigned 32-bit value
 * @param prefixLength 1..30, so at least a gateway and one guest fit
 */
public record Subnet(int network, int prefixLength) {

    public Subnet {
        if (prefixLength < 1 || prefixLength > 30) {
            throw new IllegalArgumentException("subnet prefix must be 1..30 to hold a gateway and a guest, got /" + prefixLength);
        }
        if ((network & ~mask(prefixLength)) != 0) {
            throw new IllegalArgumentException(Ipv4.format(network) + "/" + prefixLength + " has host bits set; did you mean "
                    + Ipv4.format(network & mask(prefixLength)) + "/" + prefixLength + "?");
        }
    }

    /** Parses "A.B.C.D/N" where A.B.C.D is the network address. */
    public static Subnet parse(String cidr) {
        if (cidr == null) {
            throw new IllegalArgumentException("subnet is missing");
        }
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("subnet '" + cidr + "' is not in CIDR form A.B.C.D/N");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("subnet '" + cidr + "' has no numeric prefix length");
        }
        return new Subnet(Ipv4.parse(cidr.substring(0, slash)), prefix);
    }

    public int gateway() {
        return network + 1;
    }

    public int broadcast() {
        return network | ~mask(prefixLength);
    }

    public boolean contains(int address) {
        return (address & mask(prefixLength)) == network;
    }

    /** True for an address a guest may hold: inside, and not the network, gateway or broadcast address. */
    public boolean isGuestAddress(int address) {
        return contains(address) && address != network && address != gateway() && address != broadcast();
    }

    public String gatewayAddress() {
        return Ipv4.format(gateway());
    }

    /** The gateway with the prefix, as the bridge carries it: "172.30.0.1/24". */
    public String gatewayCidr() {
        return gatewayAddress() + "/" + prefixLength;
    }

    /** An address in this subnet with the prefix, as a guest's interface carries it. */
    public String cidrOf(String address) {
        return address + "/" + prefixLength;
    }

    @Override
    public String toString() {
        return Ipv4.format(network) + "/" + prefixLength;
    }

    private static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }
}
