package banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class KernelModulesTest {

    private static final String DEP = """
            kernel/drivers/virtio/virtio.ko:
            kernel/drivers/virtio/virtio_ring.ko:
            kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
            kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
            kernel/net/core/failover.ko:
            """;
    private static final String BUILTIN = "kernel/fs/ext4/ext4.ko\nkernel/fs/jbd2/jbd2.ko\n";

    @Test
    void dependenciesComeBeforeTheModulesThatNeedThemAndEachOnlyOnce() {
        List<String> order = new KernelModules(DEP, BUILTIN).loadOrder(List.of("virtio_net", "virtio_pci"));
        assertEquals(List.of(
                "kernel/net/core/failover.ko",
                "kernel/drivers/net/net_failover.ko",
                "kernel/drivers/virtio/virtio.ko",
                "kernel/drivers/virtio/virtio_ring.ko",
                "kernel/drivers/net/virtio_net.ko",
                "kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
                "kernel/drivers/virtio/virtio_pci.ko"), order);
    }

    @Test
    void builtInModulesAreSkipped() {
        assertEquals(List.of("kernel/drivers/virtio/virtio.ko"),
                new KernelModules(DEP, BUILTIN).loadOrder(List.of("ext4", "virtio")));
    }

    @Test
    void unknownModuleIsAnError() {
        assertThrows(IllegalStateException.class, () -> new KernelModules(DEP, BUILTIN).loadOrder(List.of("virtio_blk")));
    }

    @Test
    void namesTreatDashesAsUnderscores() {
        assertEquals("virtio_rng", KernelModules.nameOf("kernel/drivers/char/hw_random/virtio-rng.ko"));
        assertEquals("button", KernelModules.nameOf("kernel/drivers/acpi/button.ko.xz"));
    }
}
