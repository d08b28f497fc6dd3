package banger.network;

import banger.core.Rejected;
import banger.core.Rejection;

import java.util.HashSet;
import java.util.Set;

/** Picks the lowest guest address of a subnet that nobody holds. Pure: the caller owns the set in use. */
public final class AddressAllocator {

    private final Subnet subnet;

    public AddressAllocator(Subnet subnet) {
        this.subnet = subnet;
    }

    public Subnet subnet() {
        return subnet;
    }

    /**
     * The lowest free guest address, as dotted-quad text.
     *
     * @param inUse addresses already held (dotted quads; ones outside the subnet are ignored)
     * @throws Rejected UNAVAILABLE when every guest address is taken
     */
    public String allocate(Set<String> inUse) {
        Set<Integer> taken = new HashSet<>();
        for (String address : inUse) {
            taken.add(Ipv4.parse(address));
        }
        for (int candidate = subnet.gateway() + 1; candidate != subnet.broadcast(); candidate++) {
            if (!taken.contains(candidate)) {
                return Ipv4.format(candidate);
            }
        }
        throw new Rejected(Rejection.Reason.UNAVAILABLE,
                "no free guest address left in subnet " + subnet + " (" + guestCapacity() + " in use)");
    }

    /** How many guests the subnet holds: all host addresses but the gateway. */
    public long guestCapacity() {
        return (1L << (32 - subnet.prefixLength())) - 3;
    }
}
