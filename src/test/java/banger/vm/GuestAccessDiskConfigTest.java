package banger.vm;

import banger.guest.GuestConfigWriter;
import banger.guest.GuestHostKeys;
import banger.guest.GuestSsh;
import banger.guest.SshKeys;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.host.CommandResult;
import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import banger.image.Image;
import banger.network.Subnet;
import banger.storage.VmDisk;
import banger.vm.VmSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GuestAccess on real ext4 images: the VM's own host key goes in with the rest of its config, debugfs writes a
 * raw disk only before its first boot, later starts pass the config on the kernel command line, and every start
 * pins the key to the VM's address.
 */
class GuestAccessDiskConfigTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Subnet SUBNET = Subnet.parse("172.30.0.0/24");

    @TempDir
    Path dir;

    private final HostCommands real = new ProcessHostCommands();
    private final AtomicInteger debugfsWrites = new AtomicInteger();
    private final HostCommands counting = new HostCommands() {
        @Override
        public CommandResult run(List<String> argv, Duration timeout, byte[] stdin) {
            if (argv.get(0).equals("debugfs") && argv.contains("-w")) {
                debugfsWrites.incrementAndGet();
            }
            return real.run(argv, timeout, stdin);
        }

        @Override
        public long startDetached(List<String> argv, Path output) {
            return real.startDetached(argv, output);
        }

        @Override
        public boolean available(String program) {
            return real.available(program);
        }
    };

    private VmDisk rawDisk(String vm) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root-" + vm).resolve("etc"));
        Files.createDirectories(root.resolveSibling("root"));
        Path vmDir = Files.createDirectories(dir.resolve("vms").resolve(vm));
        Path disk = vmDir.resolve("disk.raw");
        real.check(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-d", root.getParent().toString(), disk.toString(),
                "16M"), TIMEOUT);
        return new VmDisk(disk, VmDisk.RAW);
    }

    private static Image image(String os) {
        return new Image(os, os, "/k", null, null, "/r", 0, Instant.EPOCH);
    }

    private static VmSpec spec(String id, String address) {
        return new VmSpec(id, "vm-" + id, "tiny", 1, 256, 512, address, Map.of());
    }

    private byte[] dump(VmDisk disk, String path) throws Exception {
        Path out = dir.resolve("dump-" + System.nanoTime());
        real.check(List.of("debugfs", "-R", "dump " + path + " " + out, disk.path().toString()), TIMEOUT);
        return Files.readAllBytes(out);
    }

    private String mode(VmDisk disk, String path) {
        String stat = real.check(List.of("debugfs", "-R", "stat " + path, disk.path().toString()), TIMEOUT).stdout();
        return stat.replaceAll("(?s).*Mode:\\s+(\\d+).*", "$1");
    }

    @Test
    void aRawTinyDiskGetsItsHostKeyOnceAndLaterStartsUseTheCommandLine() throws Exception {
        SshKeys identity = SshKeys.loadOrCreate(dir.resolve("state"));
        GuestHostKeys hostKeys = new GuestHostKeys(dir.resolve("vms"));
        try (GuestSsh ssh = new GuestSsh(identity.keyPair(), hostKeys)) {
            GuestAccess access = new GuestAccess(new GuestConfigWriter(counting), identity, ssh, SUBNET, hostKeys);
            VmDisk disk = rawDisk("t1");
            VmSpec spec = spec("t1", "172.30.0.5");
            access.configureDisk(spec, image("tiny"), disk);
            assertEquals(1, debugfsWrites.get());
            GuestHostKeys.HostKey key = hostKeys.loadOrCreate(disk.path().getParent());
            assertArrayEquals(key.dropbearPrivate(), dump(disk, "/etc/dropbear/dropbear_ed25519_host_key"));
            assertEquals("0600", mode(disk, "/etc/dropbear/dropbear_ed25519_host_key"));
            assertEquals(key.pair().getPublic(), hostKeys.expected("172.30.0.5").orElseThrow(), "pinned");

            access.configureDisk(spec, image("tiny"), disk);
            assertEquals(1, debugfsWrites.get(), "a disk the guest has booted is never parsed by debugfs again");
            String cmdline = access.kernelParameters(spec, image("tiny"), disk);
            assertTrue(cmdline.contains(" banger.address=172.30.0.5/24 "), "later config on the command line: " + cmdline);
            assertFalse(cmdline.contains("banger.host_key="), "the key is on the disk already: " + cmdline);
            assertEquals(0, real.run(List.of("e2fsck", "-fn", disk.path().toString()), TIMEOUT).exitCode());
        }
    }

    @Test
    void aQcow2TinyOverlayGetsItsHostKeyOnTheCommandLineAndDebianInEtcSsh() throws Exception {
        SshKeys identity = SshKeys.loadOrCreate(dir.resolve("state"));
        GuestHostKeys hostKeys = new GuestHostKeys(dir.resolve("vms"));
        try (GuestSsh ssh = new GuestSsh(identity.keyPair(), hostKeys)) {
            GuestAccess access = new GuestAccess(new GuestConfigWriter(counting), identity, ssh, SUBNET, hostKeys);
            Path vmDir = Files.createDirectories(dir.resolve("vms").resolve("q1"));
            VmDisk overlay = new VmDisk(vmDir.resolve("disk.qcow2"), VmDisk.QCOW2);
            VmSpec tiny = spec("q1", "172.30.0.6");
            access.configureDisk(tiny, image("tiny"), overlay);
            assertEquals(0, debugfsWrites.get(), "an overlay is never edited from the host");
            GuestHostKeys.HostKey key = hostKeys.loadOrCreate(vmDir);
            assertTrue(access.kernelParameters(tiny, image("tiny"), overlay).contains(" banger.host_key="
                    + java.util.Base64.getEncoder().encodeToString(key.dropbearPrivate())));
            assertEquals(key.pair().getPublic(), hostKeys.expected("172.30.0.6").orElseThrow());

            VmDisk debian = rawDisk("d1");
            access.configureDisk(spec("d1", "172.30.0.7"), image("debian"), debian);
            GuestHostKeys.HostKey debianKey = hostKeys.loadOrCreate(debian.path().getParent());
            assertArrayEquals(debianKey.openSshPrivate(), dump(debian, "/etc/ssh/ssh_host_ed25519_key"));
            assertEquals("0600", mode(debian, "/etc/ssh/ssh_host_ed25519_key"));
            assertEquals(debianKey.publicKeyLine() + "\n",
                    new String(dump(debian, "/etc/ssh/ssh_host_ed25519_key.pub")));
        }
    }
}
