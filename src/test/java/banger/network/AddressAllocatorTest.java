package banger.network;

import banger.core.Rejected;
import banger.core.Rejection;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressAllocatorTest {

    private final AddressAllocator allocator = new AddressAllocator(Subnet.parse("172.30.0.0/24"));

    @Test
    void firstGuestGetsAddressAfterGateway() {
        assertEquals("172.30.0.2", allocator.allocate(Set.of()));
    }

    @Test
    void lowestFreeAddressFillsGaps() {
        assertEquals("172.30.0.3", allocator.allocate(Set.of("172.30.0.2", "172.30.0.4")));
    }

    @Test
    void addressesOutsideSubnetDoNotCount() {
        assertEquals("172.30.0.2", allocator.allocate(Set.of("10.0.0.2")));
    }

    @Test
    void exhaustionIsUnavailableAndNamesSubnet() {
        AddressAllocator tiny = new AddressAllocator(Subnet.parse("10.9.0.0/29"));
        Set<String> full = Set.of("10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6");
        assertEquals(5, tiny.guestCapacity());
        Rejected e = assertThrows(Rejected.class, () -> tiny.allocate(full));
        assertEquals(Rejection.Reason.UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().contains("10.9.0.0/29"), e.getMessage());
    }

    @Test
    void neverHandsOutBroadcast() {
        AddressAllocator smallest = new AddressAllocator(Subnet.parse("10.9.0.0/30"));
        assertEquals("10.9.0.2", smallest.allocate(Set.of()));
        assertThrows(Rejected.class, () -> smallest.allocate(Set.of("10.9.0.2")));
    }
}
