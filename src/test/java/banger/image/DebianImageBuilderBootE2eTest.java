package banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.guest.ExecResult;
import banger.guest.GuestConfig;
import banger.guest.GuestConfigWriter;
import banger.guest.GuestSsh;
import banger.guest.SshKeys;
import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import banger.network.NetnsHostCommands;
import banger.storage.SparseCopyCloner;
import banger.storage.VmDisk;
import banger.testsupport.TestImages;
import banger.vmm.LaunchSpec;
import banger.vmm.NetworkAttachment;
import banger.vmm.ProcessTable;
import banger.vmm.VmmHandle;
import banger.vmm.qemu.QemuAccel;
import banger.vmm.qemu.QemuVmm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the debian image under real QEMU (TCG) the way the daemon does: sparse clone, guest config written into
 * the disk, a TAP on a bridge holding the gateway address. The bridge lives in a network namespace of the test's
 * own, reached from this JVM (GuestSsh) over a veth pair and a host route to the guest subnet.
 */
class DebianImageBuilderBootE2eTest {

    private static final Duration BOOT_WAIT = Duration.ofSeconds(240);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(90);
    private static final Duration IP = Duration.ofSeconds(10);
    private static final HostCommands COMMANDS = new ProcessHostCommands();
    private static Image image;

    private final ProcessTable processes = new ProcessTable();

    @TempDir
    Path dir;

    @BeforeAll
    static void needsQemu() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        image = TestImages.debian();
    }

    @Test
    void guestBootsSystemdAnswersSshAsRootWithTheDaemonKeyAndPowersOffOnQmp() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        int octet = ThreadLocalRandom.current().nextInt(100, 200);
        String netns = "banger-deb-" + suffix;
        String bridge = "bgbr" + suffix;
        String tap = "bgt" + suffix;
        String hostVeth = "bgvh" + suffix;
        String nsVeth = "bgvn" + suffix;
        String subnet = "10.237." + octet + ".0/24";
        String gateway = "10.237." + octet + ".1";
        String guest = "10.237." + octet + ".2";
        String vmId = "e2e-debian-" + suffix;

        SparseCopyCloner cloner = new SparseCopyCloner(COMMANDS);
        long diskMib = image.rootfsBytes() / (1024 * 1024) + 512;
        VmDisk disk = cloner.clone(Path.of(image.rootfs()), dir.resolve("vm"), diskMib);
        SshKeys keys = SshKeys.loadOrCreate(dir.resolve("state"));
        new GuestConfigWriter(COMMANDS).write(disk.path(), GuestConfigWriter.OS_DEBIAN,
                new GuestConfig("debguest", guest + "/24", gateway, gateway, keys.publicKeyLine()));

        QemuVmm vmm = new QemuVmm(new NetnsHostCommands(COMMANDS, netns), "qemu-system-x86_64", QemuAccel.TCG, processes);
        Path console = dir.resolve("vm/console.log");
        LaunchSpec spec = new LaunchSpec(vmId, dir.resolve("vm"), Path.of(image.kernel()), Optional.of(Path.of(image.initrd())),
                disk, 1, 512, "console=ttyS0 root=/dev/vda rw panic=-1", console,
                Optional.of(new NetworkAttachment(tap, "52:54:00:de:b1:01")));
        VmmHandle handle = null;
        try {
            COMMANDS.check(List.of("ip", "netns", "add", netns), IP);
            ip(netns, "link", "add", bridge, "type", "bridge");
            ip(netns, "addr", "add", gateway + "/24", "dev", bridge);
            ip(netns, "link", "set", bridge, "up");
            ip(netns, "tuntap", "add", "dev", tap, "mode", "tap");
            ip(netns, "link", "set", tap, "master", bridge);
            ip(netns, "link", "set", tap, "up");
            COMMANDS.check(List.of("ip", "link", "add", hostVeth, "type", "veth", "peer", "name", nsVeth, "netns", netns), IP);
            COMMANDS.check(List.of("ip", "addr", "add", "10.238." + octet + ".1/30", "dev", hostVeth), IP);
            COMMANDS.check(List.of("ip", "link", "set", hostVeth, "up"), IP);
            ip(netns, "addr", "add", "10.238." + octet + ".2/30", "dev", nsVeth);
            ip(netns, "link", "set", nsVeth, "up");
            COMMANDS.check(List.of("ip", "netns", "exec", netns, "sysctl", "-qw", "net.ipv4.ip_forward=1"), IP);
            COMMANDS.check(List.of("ip", "route", "add", subnet, "via", "10.238." + octet + ".2", "dev", hostVeth), IP);

            long started = System.nanoTime();
            handle = vmm.launch(spec);
            awaitConsoleLine(vmm, console, "banger-guest-ready", handle);
            System.out.printf("debian: launch to banger-guest-ready %.1f s%n", (System.nanoTime() - started) / 1e9);
            String boot = consoleText(console);
            assertFalse(boot.contains("[FAILED]"), "no unit failed to start:\n" + boot);

            try (GuestSsh ssh = new GuestSsh(keys.keyPair(), banger.guest.HostKeyPins.ACCEPT_ANY)) {
                ssh.awaitReady(guest, 22, Duration.ofSeconds(60));
                System.out.printf("debian: launch to SSH as root %.1f s%n", (System.nanoTime() - started) / 1e9);
                assertTrue(run(ssh, guest, "git", "--version").startsWith("git version 2."));
                assertTrue(run(ssh, guest, "tmux", "-V").startsWith("tmux 3."));
                assertEquals("debguest", run(ssh, guest, "hostname").strip());
                assertTrue(run(ssh, guest, "ip", "-4", "route", "show", "default").contains("via " + gateway + " dev eth0"));
                assertEquals("active", run(ssh, guest, "systemctl", "is-active", "systemd-logind").strip());
                assertEquals("nodev\toverlay", run(ssh, guest, "sh", "-c", "modprobe overlay && grep -w overlay /proc/filesystems").strip());
            }

            long stopping = System.nanoTime();
            vmm.shutdown(handle, SHUTDOWN_WAIT);
            System.out.printf("debian: graceful shutdown %.1f s%n", (System.nanoTime() - stopping) / 1e9);
            assertFalse(vmm.alive(handle));
            assertFalse(processes.running(handle.pid()));
            // the kernel prints this only when the guest powered itself off, i.e. QEMU was not killed
            String log = consoleText(console);
            assertTrue(log.contains("reboot: Power down"), log);
            assertTrue(COMMANDS.run(List.of("e2fsck", "-fn", disk.path().toString()), Duration.ofSeconds(120)).ok(),
                    "a clean poweroff leaves a clean filesystem");
        } finally {
            if (handle != null && vmm.alive(handle)) {
                vmm.kill(handle);
            }
            COMMANDS.run(List.of("ip", "route", "del", subnet), IP);
            COMMANDS.run(List.of("ip", "link", "del", hostVeth), IP);
            COMMANDS.run(List.of("ip", "netns", "del", netns), IP);
            cloner.remove(disk);
        }
    }

    /** Decoded leniently: a serial console may carry bytes that are not UTF-8. */
    private static String consoleText(Path console) throws IOException {
        return Files.exists(console) ? new String(Files.readAllBytes(console), StandardCharsets.UTF_8) : "(none)";
    }

    private static void ip(String netns, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "-n", netns));
        argv.addAll(List.of(args));
        COMMANDS.check(argv, IP);
    }

    private static String run(GuestSsh ssh, String host, String... argv) {
        ExecResult result = ssh.exec(host, 22, List.of(argv), null, Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), String.join(" ", argv) + ": " + result.stderrText());
        return result.stdoutText();
    }

    private void awaitConsoleLine(QemuVmm vmm, Path console, String line, VmmHandle handle) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + BOOT_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (consoleText(console).lines().anyMatch(l -> l.strip().equals(line))) {
                return;
            }
            if (!vmm.alive(handle)) {
                throw new AssertionError("qemu died before " + line + "; qemu.log:\n" + consoleText(console.resolveSibling("qemu.log"))
                        + "\nconsole:\n" + consoleText(console));
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no " + line + " within " + BOOT_WAIT.toSeconds() + " s; console:\n"
                + consoleText(console));
    }
}
