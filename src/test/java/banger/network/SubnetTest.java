package banger.network;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubnetTest {

    @Test
    void defaultSubnetHasGatewayAtFirstHostAddress() {
        Subnet subnet = Subnet.parse("172.30.0.0/24");
        assertEquals("172.30.0.1", subnet.gatewayAddress());
        assertEquals("172.30.0.1/24", subnet.gatewayCidr());
        assertEquals("172.30.0.255", Ipv4.format(subnet.broadcast()));
        assertEquals("172.30.0.0/24", subnet.toString());
        assertEquals("172.30.0.7/24", subnet.cidrOf("172.30.0.7"));
    }

    @Test
    void guestAddressesExcludeNetworkGatewayAndBroadcast() {
        Subnet subnet = Subnet.parse("10.0.0.0/30");
        assertFalse(subnet.isGuestAddress(Ipv4.parse("10.0.0.0")));
        assertFalse(subnet.isGuestAddress(Ipv4.parse("10.0.0.1")));
        assertTrue(subnet.isGuestAddress(Ipv4.parse("10.0.0.2")));
        assertFalse(subnet.isGuestAddress(Ipv4.parse("10.0.0.3")));
        assertFalse(subnet.isGuestAddress(Ipv4.parse("10.0.0.4")));
    }

    @Test
    void highAddressesCompareAsUnsigned() {
        Subnet subnet = Subnet.parse("192.168.10.0/24");
        assertTrue(subnet.contains(Ipv4.parse("192.168.10.200")));
        assertEquals("192.168.10.255", Ipv4.format(subnet.broadcast()));
    }

    @Test
    void hostBitsSetIsRejectedWithSuggestion() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Subnet.parse("172.30.0.5/24"));
        assertTrue(e.getMessage().contains("172.30.0.0/24"), e.getMessage());
    }

    @Test
    void malformedInputIsRejected() {
        for (String bad : new String[] {"172.30.0.0", "172.30.0/24", "172.30.0.256/24", "a.b.c.d/24", "172.30.0.0/x",
                "172.30.0.0/31", "0.0.0.0/0", "172.30.0.0/-1", " 172.30.0.0/24"}) {
            assertThrows(IllegalArgumentException.class, () -> Subnet.parse(bad), bad);
        }
    }
}
