package banger.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class VmmSelectorTest {

    private static final BooleanSupplier KVM = () -> true;
    private static final BooleanSupplier NO_KVM = () -> false;

    @Test
    void autoPicksFirecrackerOnlyWithItsBinaryAndUsableKvm() {
        VmmSelector.Selection s = VmmSelector.select("auto", "firecracker", true, KVM);
        assertEquals("firecracker", s.kind());
        assertTrue(s.reason().contains("found") && s.reason().contains("KVM"), s.reason());
    }

    @Test
    void autoFallsBackToQemuWithoutTheBinaryAndDoesNotProbeKvm() {
        AtomicInteger probes = new AtomicInteger();
        VmmSelector.Selection s = VmmSelector.select("auto", "/opt/fc/firecracker", false, () -> probes.incrementAndGet() > 0);
        assertEquals("qemu", s.kind());
        assertTrue(s.reason().contains("/opt/fc/firecracker"), s.reason());
        assertEquals(0, probes.get());
    }

    @Test
    void autoFallsBackToQemuWhenKvmIsNotUsable() {
        VmmSelector.Selection s = VmmSelector.select("auto", "firecracker", true, NO_KVM);
        assertEquals("qemu", s.kind());
        assertTrue(s.reason().contains("KVM is not usable"), s.reason());
    }

    @Test
    void qemuIsUsedWhenConfiguredEvenIfFirecrackerCouldRun() {
        assertEquals("qemu", VmmSelector.select("qemu", "firecracker", true, KVM).kind());
    }

    @Test
    void explicitFirecrackerWithBinaryAndKvmIsUsed() {
        assertEquals("firecracker", VmmSelector.select(" Firecracker ", "firecracker", true, KVM).kind());
    }

    @Test
    void explicitFirecrackerWithoutBinaryIsAnErrorNamingTheBinary() {
        VmmException e = assertThrows(VmmException.class, () -> VmmSelector.select("firecracker", "/opt/fc/firecracker", false, KVM));
        assertTrue(e.getMessage().contains("/opt/fc/firecracker") && e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void explicitFirecrackerWithoutKvmIsAnError() {
        VmmException e = assertThrows(VmmException.class, () -> VmmSelector.select("firecracker", "firecracker", true, NO_KVM));
        assertTrue(e.getMessage().contains("KVM is not usable"), e.getMessage());
    }

    @Test
    void unknownChoiceIsAnError() {
        VmmException e = assertThrows(VmmException.class, () -> VmmSelector.select("xen", "firecracker", true, KVM));
        assertTrue(e.getMessage().contains("auto, qemu or firecracker"), e.getMessage());
        assertThrows(VmmException.class, () -> VmmSelector.select(null, "firecracker", true, KVM));
    }
}
