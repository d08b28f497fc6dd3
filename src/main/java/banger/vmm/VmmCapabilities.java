package banger.vmm;

import banger.storage.VmDisk;
import java.util.Set;

/**
 * What a VMM can boot, declared by its driver so callers choose by capability instead of by the driver's name.
 *
 * @param kernelFormat the kernel image the VMM loads
 * @param diskFormats  the root disk formats it can attach ({@link VmDisk#RAW}, {@link VmDisk#QCOW2})
 */
public record VmmCapabilities(KernelFormat kernelFormat, Set<String> diskFormats) {

    public enum KernelFormat {
        /** A compressed bzImage, as distributions ship it (QEMU's direct kernel boot). */
        BZIMAGE,
        /** An uncompressed ELF vmlinux (Firecracker). */
        VMLINUX
    }

    public VmmCapabilities {
        diskFormats = Set.copyOf(diskFormats);
    }

    public boolean takes(String diskFormat) {
        return diskFormats.contains(diskFormat);
    }
}
