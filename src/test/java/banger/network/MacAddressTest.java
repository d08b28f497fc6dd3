package banger.network;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MacAddressTest {

    @Test
    void sameVmIdGivesSameMac() {
        assertEquals(MacAddress.forVm("vm-1"), MacAddress.forVm("vm-1"));
    }

    @Test
    void differentVmIdsGiveDifferentMacs() {
        assertNotEquals(MacAddress.forVm("vm-1"), MacAddress.forVm("vm-2"));
    }

    @Test
    void macIsLocallyAdministeredUnicast() {
        String mac = MacAddress.forVm("0f3c9a2e-1111-2222-3333-444455556666");
        assertTrue(mac.matches("02(:[0-9a-f]{2}){5}"), mac);
    }
}
