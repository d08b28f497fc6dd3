package banger.vmm.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.storage.VmDisk;
import banger.vmm.LaunchSpec;
import banger.vmm.NetworkAttachment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How banger runs Firecracker under its jailer: the argv, the chroot layout, the config file as the jailed
 * process sees it (checked against the Firecracker API spec) and the files put into the jail. No KVM here, so no
 * real jailer or Firecracker runs.
 */
class FirecrackerJailTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FirecrackerSpec SPEC = FirecrackerSpec.load();
    private static final FirecrackerJail JAIL = new FirecrackerJail(Path.of("/usr/bin/jailer"),
            Path.of("/usr/bin/firecracker"), 997, 996);

    @TempDir
    Path dir;

    @Test
    void theJailerGetsTheIdBinaryUserAndAPerVmChrootBaseAndFirecrackerItsPathsInsideTheJail() {
        Path vmDir = Path.of("/var/lib/banger/vms/0123456789ab");
        assertEquals(List.of("/usr/bin/jailer", "--id", "banger-0123456789ab", "--exec-file", "/usr/bin/firecracker",
                        "--uid", "997", "--gid", "996", "--chroot-base-dir", "/var/lib/banger/vms/0123456789ab/jail",
                        "--", "--api-sock", "/firecracker.sock", "--config-file", "/firecracker.json"),
                JAIL.argv(vmDir, "banger-0123456789ab"));
        assertEquals(Path.of("/var/lib/banger/vms/0123456789ab/jail/firecracker/banger-0123456789ab/root"),
                JAIL.root(vmDir, "banger-0123456789ab"));
        assertEquals("--id=banger-0123456789ab", FirecrackerJail.procMarker("banger-0123456789ab"),
                "the jailer execs Firecracker with --id=ID: that is the argument /proc shows");
    }

    @Test
    void theJailedConfigNamesOnlyPathsInsideTheJailAndValidatesAgainstTheSpec() throws Exception {
        LaunchSpec spec = spec(dir, Optional.of(dir.resolve("initrd.img")));
        JsonNode cfg = JSON.readTree(FirecrackerJail.config(spec).toJson());

        assertEquals(List.of(), SPEC.validate(cfg, "FullVmConfiguration"));
        assertEquals("/vmlinux", cfg.at("/boot-source/kernel_image_path").asText());
        assertEquals("/initrd", cfg.at("/boot-source/initrd_path").asText());
        assertEquals("/rootfs", cfg.at("/drives/0/path_on_host").asText());
        assertEquals("/firecracker.log", cfg.at("/logger/log_path").asText());
        assertEquals("tap-bg3", cfg.at("/network-interfaces/0/host_dev_name").asText());
        assertEquals(spec.kernelCmdline(), cfg.at("/boot-source/boot_args").asText());
    }

    @Test
    void populatingTheJailHardLinksKernelInitrdAndDiskAndGivesTheDiskToTheJailsUser() throws Exception {
        LaunchSpec spec = spec(dir, Optional.of(dir.resolve("initrd.img")));
        Files.writeString(spec.kernel(), "kernel");
        Files.writeString(spec.initrd().get(), "initrd");
        Files.writeString(spec.disk().path(), "disk");
        Path root = JAIL.root(dir.resolve("vm"), "banger-vm1");

        JAIL.populate(spec, root);

        assertTrue(Files.isSameFile(spec.kernel(), root.resolve("vmlinux")));
        assertTrue(Files.isSameFile(spec.initrd().get(), root.resolve("initrd")));
        assertTrue(Files.isSameFile(spec.disk().path(), root.resolve("rootfs")), "the disk is the VM's own, linked");
        assertEquals(997, Files.getAttribute(root.resolve("rootfs"), "unix:uid"));
        assertEquals(996, Files.getAttribute(root.resolve("rootfs"), "unix:gid"));

        JAIL.populate(spec, root);
        assertTrue(Files.isSameFile(spec.disk().path(), root.resolve("rootfs")), "a second start relinks");
    }

    @Test
    void aJailNeedsAbsoluteBinariesAndAnUnprivilegedUser() {
        assertThrows(IllegalArgumentException.class,
                () -> new FirecrackerJail(Path.of("jailer"), Path.of("/usr/bin/firecracker"), 997, 996));
        assertThrows(IllegalArgumentException.class,
                () -> new FirecrackerJail(Path.of("/usr/bin/jailer"), Path.of("/usr/bin/firecracker"), 0, 0));
    }

    private static LaunchSpec spec(Path dir, Optional<Path> initrd) {
        return new LaunchSpec("vm1", dir.resolve("vm"), dir.resolve("vmlinux"), initrd,
                new VmDisk(dir.resolve("disk.raw"), VmDisk.RAW), 2, 256,
                "console=ttyS0 reboot=k panic=1 root=/dev/vda rw", dir.resolve("console.log"),
                Optional.of(new NetworkAttachment("tap-bg3", "02:fc:00:00:00:07")));
    }
}
