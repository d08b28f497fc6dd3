package banger.vmm.firecracker;

import banger.storage.VmDisk;
import banger.vmm.LaunchSpec;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Firecracker run under its jailer: the jailer builds a chroot at
 * {@code <vm-dir>/jail/<firecracker's file name>/banger-<id>/root} (a per-VM chroot base, so deleting the VM
 * directory deletes the jail), creates {@code /dev/kvm} and {@code /dev/net/tun} in it, drops to {@code uid:gid}
 * and execs Firecracker as {@code <name> --id=banger-<id> ...} (so the /proc marker is that argument). Before
 * it runs, banger hard-links (or, across filesystems, copies) the kernel, initrd and disk into the root under
 * fixed names and gives the disk to {@code uid:gid}; the config file Firecracker reads names those paths as seen
 * inside the jail. The API socket is {@code root/firecracker.sock} on the host. Stdout (the serial console) stays
 * the daemon's console.log: no {@code --daemonize}.
 *
 * @param jailer      the jailer binary (absolute)
 * @param firecracker the Firecracker binary the jailer copies in and execs (absolute: jailer's --exec-file)
 * @param uid         user the jailed Firecracker runs as (config banger.firecracker.jailer.user)
 * @param gid         its group
 */
public record FirecrackerJail(Path jailer, Path firecracker, int uid, int gid) {

    static final String KERNEL = "vmlinux";
    static final String INITRD = "initrd";
    static final String ROOTFS = "rootfs";

    public FirecrackerJail {
        if (!jailer.isAbsolute() || !firecracker.isAbsolute()) {
            throw new IllegalArgumentException("the jailer and Firecracker binaries must be absolute paths: "
                    + jailer + ", " + firecracker);
        }
        if (uid <= 0 || gid <= 0) {
            throw new IllegalArgumentException("a jailed Firecracker runs as an unprivileged user, not uid " + uid
                    + " gid " + gid);
        }
    }

    /** --chroot-base-dir for the VM. */
    static Path chrootBase(Path vmDir) {
        return vmDir.toAbsolutePath().resolve("jail");
    }

    /** The jail's root as the host sees it. */
    Path root(Path vmDir, String marker) {
        return chrootBase(vmDir).resolve(firecracker.getFileName().toString()).resolve(marker).resolve("root");
    }

    /** The argument of the jailed process that names it in /proc (the jailer passes Firecracker {@code --id=ID}). */
    static String procMarker(String marker) {
        return "--id=" + marker;
    }

    List<String> argv(Path vmDir, String marker) {
        return List.of(jailer.toString(),
                "--id", marker,
                "--exec-file", firecracker.toString(),
                "--uid", Integer.toString(uid),
                "--gid", Integer.toString(gid),
                "--chroot-base-dir", chrootBase(vmDir).toString(),
                "--",
                "--api-sock", "/" + FirecrackerVmm.API_SOCKET,
                "--config-file", "/" + FirecrackerVmm.CONFIG_FILE);
    }

    /** The launch as the jailed Firecracker sees it: its files at fixed paths in the jail's root. */
    static LaunchSpec inside(LaunchSpec spec) {
        return new LaunchSpec(spec.vmId(), Path.of("/"), Path.of("/" + KERNEL),
                spec.initrd().map(i -> Path.of("/" + INITRD)), new VmDisk(Path.of("/" + ROOTFS), spec.disk().format()),
                spec.vcpus(), spec.memoryMib(), spec.kernelCmdline(), spec.consoleLog(), spec.network());
    }

    /** The config file for the jailed Firecracker: every path inside the jail. */
    static FirecrackerConfig config(LaunchSpec spec) {
        return FirecrackerConfig.from(inside(spec), Path.of("/" + FirecrackerVmm.LOG_FILE));
    }

    /** Puts the VM's kernel, initrd and disk into {@code root} and hands the disk to the jail's user. */
    void populate(LaunchSpec spec, Path root) throws IOException {
        Files.createDirectories(root);
        link(spec.kernel(), root.resolve(KERNEL));
        if (spec.initrd().isPresent()) {
            link(spec.initrd().get(), root.resolve(INITRD));
        }
        link(spec.disk().path(), root.resolve(ROOTFS));
        Files.setAttribute(root.resolve(ROOTFS), "unix:uid", uid);
        Files.setAttribute(root.resolve(ROOTFS), "unix:gid", gid);
    }

    private static void link(Path source, Path target) throws IOException {
        Files.deleteIfExists(target);
        try {
            Files.createLink(target, source.toAbsolutePath());
        } catch (FileSystemException e) {
            // another filesystem: a copy (the disk would then diverge, so only the read-only files may be copied)
            if (target.getFileName().toString().equals(ROOTFS)) {
                throw new IOException("cannot hard-link the disk " + source + " into the jail at " + target
                        + " (the jail must be on the disk's filesystem): " + e.getMessage(), e);
            }
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
