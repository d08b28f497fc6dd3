package banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.ProcessHostCommands;
import banger.testsupport.TestImages;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TinyImageBuilderTest {

    private static Image image;

    @BeforeAll
    static void build() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "needs apt, dpkg-deb, mke2fs");
        image = TestImages.tiny();
    }

    @Test
    void buildsKernelInitrdAndRootfsWithoutVmlinux() throws IOException {
        assertEquals("tiny", image.os());
        assertNull(image.vmlinux());
        assertTrue(Files.size(Path.of(image.kernel())) > 1_000_000, "vmlinuz");
        assertEquals(Files.size(Path.of(image.rootfs())), image.rootfsBytes());
    }

    @Test
    void initramfsHoldsInitBusyboxAndModulesInDependencyOrder() throws IOException {
        List<String> names = new ArrayList<>();
        String loadOrder = null;
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(Path.of(image.initrd()))));
             CpioArchiveInputStream cpio = new CpioArchiveInputStream(in)) {
            CpioArchiveEntry entry;
            while ((entry = cpio.getNextEntry()) != null) {
                names.add(entry.getName());
                if (entry.getName().equals("lib/modules/load-order")) {
                    loadOrder = new String(cpio.readAllBytes());
                }
            }
        }
        assertTrue(names.containsAll(List.of("init", "bin/busybox", "dev/console", "lib/modules/virtio_blk.ko",
                "lib/modules/virtio_net.ko", "lib/modules/button.ko")), names.toString());
        List<String> order = List.of(loadOrder.split("\n"));
        assertTrue(order.indexOf("virtio") < order.indexOf("virtio_pci"), order.toString());
        assertTrue(order.indexOf("virtio_ring") < order.indexOf("virtio_blk"), order.toString());
        assertTrue(order.indexOf("failover") < order.indexOf("net_failover"), order.toString());
        assertTrue(order.indexOf("net_failover") < order.indexOf("virtio_net"), order.toString());
    }

    @Test
    void rootfsHoldsBusyboxInitDropbearAndItsLibraries() {
        String listing = new ProcessHostCommands().check(List.of("debugfs", "-R", "ls -p /usr/sbin", image.rootfs()),
                Duration.ofSeconds(30)).stdout();
        assertTrue(listing.contains("/dropbear/"), listing);
        String init = new ProcessHostCommands().check(List.of("debugfs", "-R", "stat /sbin/init", image.rootfs()),
                Duration.ofSeconds(30)).stdout();
        assertTrue(init.contains("Fast link dest: \"/bin/busybox\""), init);
        String libs = new ProcessHostCommands().check(List.of("debugfs", "-R", "ls -p /lib/x86_64-linux-gnu", image.rootfs()),
                Duration.ofSeconds(30)).stdout();
        assertTrue(libs.contains("/libtomcrypt.so.1/") && libs.contains("/libc.so.6/"), libs);
    }

    @Test
    void buildingAgainReturnsTheCompleteImageUnchanged() {
        Image again = new TinyImageBuilder(new ProcessHostCommands()).build("tiny", Path.of(image.kernel()).getParent());
        assertEquals(image, again);
    }
}
