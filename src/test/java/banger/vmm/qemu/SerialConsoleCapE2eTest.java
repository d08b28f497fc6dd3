package banger.vmm.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import banger.image.Image;
import banger.storage.DiskCloner;
import banger.storage.Qcow2OverlayCloner;
import banger.storage.VmDisk;
import banger.testsupport.TestImages;
import banger.vmm.LaunchSpec;
import banger.vmm.ProcessTable;
import banger.vmm.VmmHandle;
import banger.vmm.console.ConsoleLimits;
import banger.vmm.console.SerialConsoles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real guest (tiny under QEMU TCG) that writes far more to its serial console than the cap: its boot log
 * with every initcall traced. The live log stays at the cap, one rotated log is kept, and a new set of copiers
 * (as after a daemon restart) picks the console up again.
 */
class SerialConsoleCapE2eTest {

    private static final Duration BOOT_WAIT = Duration.ofSeconds(180);
    private static final HostCommands COMMANDS = new ProcessHostCommands();
    private static final ConsoleLimits LIMITS = new ConsoleLimits(16 * 1024, 1);

    @TempDir
    Path dir;

    @Test
    void aGuestWritingPastTheCapLeavesTheLogAtTheCap() throws Exception {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        Image image = TestImages.tiny();
        ProcessTable processes = new ProcessTable();
        SerialConsoles consoles = new SerialConsoles(LIMITS);
        QemuVmm vmm = new QemuVmm(COMMANDS, "qemu-system-x86_64", QemuAccel.TCG, processes, consoles);
        DiskCloner cloner = new Qcow2OverlayCloner(COMMANDS);
        VmDisk disk = cloner.clone(Path.of(image.rootfs()), dir, 128);
        Path console = dir.resolve("console.log");
        Path rotated = dir.resolve("console.log.1");
        String vmId = "e2e-cap-" + UUID.randomUUID().toString().substring(0, 8);
        LaunchSpec spec = new LaunchSpec(vmId, dir, Path.of(image.kernel()), Optional.of(Path.of(image.initrd())),
                disk, 1, 256, "console=ttyS0 ignore_loglevel initcall_debug banger.hostname=cap", console, Optional.empty());
        VmmHandle handle = vmm.launch(spec);
        SerialConsoles afterRestart = new SerialConsoles(LIMITS);
        try {
            VmmHandle running = handle;
            await("banger-guest-ready in the console", () -> text(console).contains("banger-guest-ready")
                    || text(rotated).contains("banger-guest-ready"), () -> vmm.alive(running));
            assertTrue(Files.exists(rotated), "the boot log passed the cap and was rotated");
            assertEquals(LIMITS.maxBytes(), Files.size(rotated));
            assertTrue(Files.size(console) <= LIMITS.maxBytes(), "live log at " + Files.size(console));
            assertFalse(Files.exists(dir.resolve("console.log.2")));

            // the daemon goes away: its copiers with it; a new daemon's sweep attaches again
            consoles.close();
            Path socket = dir.resolve(SerialConsoles.SOCKET_NAME);
            afterRestart.reattachEvery(dir.getParent(), Duration.ofMillis(200));
            await("a new copier attached", () -> afterRestart.attached(socket), () -> vmm.alive(running));
            vmm.shutdown(handle, Duration.ofSeconds(60));
            assertTrue(text(console).contains("banger-guest-stopping") || text(rotated).contains("banger-guest-stopping"),
                    "output after the restart reaches the log");
            assertTrue(Files.size(console) <= LIMITS.maxBytes());
        } finally {
            afterRestart.close();
            if (vmm.alive(handle)) {
                vmm.kill(handle);
            }
            cloner.remove(disk);
        }
    }

    private static void await(String what, BooleanSupplier condition, BooleanSupplier alive) throws Exception {
        long deadline = System.nanoTime() + BOOT_WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(alive.getAsBoolean(), "qemu died before " + what);
            assertTrue(System.nanoTime() < deadline, "no " + what + " within " + BOOT_WAIT);
            Thread.sleep(100);
        }
    }

    private static String text(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
