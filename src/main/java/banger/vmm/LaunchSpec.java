package banger.vmm;

import banger.storage.VmDisk;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything a VMM needs to boot one VM.
 *
 * @param vmId          the VM's id; part of the VMM's command line so /proc checks can recognise it
 * @param vmDir         the VM's own directory (sockets, config files, pid files go here)
 * @param kernel        a bzImage for QEMU, or an uncompressed ELF vmlinux for Firecracker
 * @param initrd        optional initramfs
 * @param disk          the VM's own writable root disk
 * @param kernelCmdline full kernel command line
 * @param consoleLog    file the serial console is written to
 * @param network       optional NIC on a host TAP device
 * @param incoming      the VMM waits for a saved state ({@link Vmm#loadState}) instead of booting the kernel
 */
public record LaunchSpec(
        String vmId,
        Path vmDir,
        Path kernel,
        Optional<Path> initrd,
        VmDisk disk,
        int vcpus,
        int memoryMib,
        String kernelCmdline,
        Path consoleLog,
        Optional<NetworkAttachment> network,
        boolean incoming) {

    public LaunchSpec(String vmId, Path vmDir, Path kernel, Optional<Path> initrd, VmDisk disk, int vcpus,
                      int memoryMib, String kernelCmdline, Path consoleLog, Optional<NetworkAttachment> network) {
        this(vmId, vmDir, kernel, initrd, disk, vcpus, memoryMib, kernelCmdline, consoleLog, network, false);
    }
}
