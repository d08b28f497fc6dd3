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
import banger.storage.SparseCopyCloner;
import banger.storage.VmDisk;
import banger.testsupport.TestImages;
import banger.vmm.LaunchSpec;
import banger.vmm.NetworkAttachment;
import banger.vmm.ProcessTable;
import banger.vmm.VmmHandle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Boots the tiny image under real QEMU (TCG) from both kinds of cloned disk. */
class QemuVmmE2eTest {

    private static final Duration BOOT_WAIT = Duration.ofSeconds(120);
    private static final String AUTHORIZED_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e e2e@banger";
    private static final HostCommands COMMANDS = new ProcessHostCommands();
    private static Image image;

    private final ProcessTable processes = new ProcessTable();
    private final QemuVmm vmm = new QemuVmm(COMMANDS, "qemu-system-x86_64", QemuAccel.TCG, processes);

    @TempDir
    Path dir;

    @BeforeAll
    static void needsQemu() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        image = TestImages.tiny();
    }

    static Stream<Arguments> cloners() {
        return Stream.of(Arguments.of(new SparseCopyCloner(COMMANDS)), Arguments.of(new Qcow2OverlayCloner(COMMANDS)));
    }

    @ParameterizedTest
    @MethodSource("cloners")
    void guestBootsConfiguresItselfPowersOffOnQmpAndCanBeKilled(DiskCloner cloner) throws Exception {
        String vmId = "e2e-" + cloner.name() + "-" + UUID.randomUUID().toString().substring(0, 8);
        VmDisk disk = cloner.clone(Path.of(image.rootfs()), dir, 256);
        Path console = dir.resolve("console.log");
        String key = Base64.getEncoder().encodeToString(AUTHORIZED_KEY.getBytes(StandardCharsets.UTF_8));
        LaunchSpec spec = new LaunchSpec(vmId, dir, Path.of(image.kernel()), Optional.of(Path.of(image.initrd())), disk,
                1, 256, "console=ttyS0 banger.hostname=" + vmId + " banger.authorized_key=" + key, console, Optional.empty());
        VmmHandle handle = null;
        try {
            long started = System.nanoTime();
            handle = vmm.launch(spec);
            assertTrue(vmm.alive(handle));
            assertEquals("banger-" + vmId, handle.cmdlineMarker());
            awaitConsoleLine(console, "banger-guest-ready", handle);
            System.out.printf("%s: launch to banger-guest-ready %.1f s%n", cloner.name(), (System.nanoTime() - started) / 1e9);

            long stopping = System.nanoTime();
            vmm.shutdown(handle, Duration.ofSeconds(60));
            System.out.printf("%s: graceful shutdown %.1f s%n", cloner.name(), (System.nanoTime() - stopping) / 1e9);
            String log = Files.readString(console);
            assertTrue(log.contains("banger-guest-stopping"), log);
            // busybox init prints this only when the guest powers itself off, i.e. no SIGKILL was needed
            assertTrue(log.contains("Requesting system poweroff"), log);
            assertFalse(vmm.alive(handle));
            assertFalse(processes.running(handle.pid()));
            assertNoQemuFor(vmId);

            assertGuestWroteItsConfiguration(disk, vmId);

            handle = vmm.launch(spec);
            assertTrue(vmm.alive(handle));
            vmm.kill(handle);
            assertFalse(vmm.alive(handle));
            assertFalse(processes.running(handle.pid()));
            assertNoQemuFor(vmId);
        } finally {
            if (handle != null && vmm.alive(handle)) {
                vmm.kill(handle);
            }
            cloner.remove(disk);
        }
    }

    @Test
    void guestWithAddressOnCmdlineConfiguresEth0AndAcceptsSshWithItsKey() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String tap = "bgt" + suffix;
        String netns = "banger-e2e-" + suffix;
        DiskCloner cloner = new Qcow2OverlayCloner(COMMANDS);
        VmDisk disk = cloner.clone(Path.of(image.rootfs()), dir, 128);
        Path console = dir.resolve("console.log");
        Path sshKey = dir.resolve("id_ed25519");
        COMMANDS.check(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", sshKey.toString()), Duration.ofSeconds(10));
        String authorizedKey = Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("id_ed25519.pub")));
        LaunchSpec spec = new LaunchSpec("e2e-net-" + suffix, dir, Path.of(image.kernel()),
                Optional.of(Path.of(image.initrd())), disk, 1, 256,
                "console=ttyS0 banger.hostname=netguest banger.address=10.231.0.2/24 banger.gateway=10.231.0.1"
                        + " banger.authorized_key=" + authorizedKey, console,
                Optional.of(new NetworkAttachment(tap, "52:54:00:e2:e0:01")));
        VmmHandle handle = null;
        try {
            COMMANDS.check(List.of("ip", "tuntap", "add", "dev", tap, "mode", "tap"), Duration.ofSeconds(10));
            COMMANDS.check(List.of("ip", "netns", "add", netns), Duration.ofSeconds(10));
            handle = vmm.launch(spec);
            // QEMU keeps its open tap across the move, so the host side lives in a namespace of its own
            COMMANDS.check(List.of("ip", "link", "set", tap, "netns", netns), Duration.ofSeconds(10));
            COMMANDS.check(List.of("ip", "-n", netns, "addr", "add", "10.231.0.1/24", "dev", tap), Duration.ofSeconds(10));
            COMMANDS.check(List.of("ip", "-n", netns, "link", "set", tap, "up"), Duration.ofSeconds(10));
            awaitConsoleLine(console, "banger-guest-ready", handle);
            assertTrue(COMMANDS.run(List.of("ip", "netns", "exec", netns, "ping", "-c", "3", "-W", "5", "10.231.0.2"),
                    Duration.ofSeconds(30)).ok(), "guest answers on its banger.address");
            String hostname = COMMANDS.check(List.of("ip", "netns", "exec", netns, "ssh", "-i", sshKey.toString(),
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                    "-o", "ConnectTimeout=30", "root@10.231.0.2", "hostname; ip route show default"), Duration.ofSeconds(60)).stdout();
            assertTrue(hostname.startsWith("netguest\n"), hostname);
            assertTrue(hostname.contains("default via 10.231.0.1 dev eth0"), hostname);
        } finally {
            if (handle != null && vmm.alive(handle)) {
                vmm.kill(handle);
            }
            COMMANDS.run(List.of("ip", "netns", "del", netns), Duration.ofSeconds(10));
            COMMANDS.run(List.of("ip", "link", "del", tap), Duration.ofSeconds(10));
            cloner.remove(disk);
        }
    }

    private void awaitConsoleLine(Path console, String line, VmmHandle handle) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + BOOT_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(console) && Files.readString(console).lines().anyMatch(l -> l.strip().equals(line))) {
                return;
            }
            assertTrue(vmm.alive(handle), "qemu died before " + line);
            Thread.sleep(200);
        }
        throw new AssertionError("no " + line + " within " + BOOT_WAIT.toSeconds() + " s; console:\n"
                + (Files.exists(console) ? Files.readString(console) : "(none)"));
    }

    private void assertGuestWroteItsConfiguration(VmDisk disk, String vmId) {
        Path raw = disk.path();
        if (VmDisk.QCOW2.equals(disk.format())) {
            raw = dir.resolve("flat.raw");
            COMMANDS.check(List.of("qemu-img", "convert", "-f", "qcow2", "-O", "raw", disk.path().toString(), raw.toString()),
                    Duration.ofSeconds(60));
        }
        assertEquals(vmId, debugfsCat(raw, "/etc/hostname").strip());
        assertEquals(AUTHORIZED_KEY, debugfsCat(raw, "/root/.ssh/authorized_keys").strip());
        String hostKeys = COMMANDS.check(List.of("debugfs", "-R", "ls /etc/dropbear", raw.toString()), Duration.ofSeconds(30)).stdout();
        assertTrue(hostKeys.contains("dropbear_ed25519_host_key"), hostKeys);
        // the sparse cloner grew the filesystem offline; the guest grew a qcow2 overlay's online at boot
        String header = COMMANDS.check(List.of("dumpe2fs", "-h", raw.toString()), Duration.ofSeconds(30)).stdout();
        assertTrue(header.contains("Block count:              262144"), header);
        // a clean poweroff leaves a clean filesystem
        assertTrue(COMMANDS.run(List.of("e2fsck", "-fn", raw.toString()), Duration.ofSeconds(60)).ok());
    }

    private static String debugfsCat(Path raw, String file) {
        return COMMANDS.check(List.of("debugfs", "-R", "cat " + file, raw.toString()), Duration.ofSeconds(30)).stdout();
    }

    private void assertNoQemuFor(String vmId) {
        List<Long> leftovers = ProcessHandle.allProcesses()
                .filter(p -> processes.commandLine(p.pid()).contains("banger-" + vmId) && processes.running(p.pid()))
                .map(ProcessHandle::pid)
                .toList();
        assertEquals(List.of(), leftovers);
    }
}
