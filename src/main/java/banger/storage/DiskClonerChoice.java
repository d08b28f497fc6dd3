package banger.storage;

import banger.host.HostCommands;

/**
 * Picks how a VM's disk is made. Firecracker needs raw disks; QEMU boots qcow2 overlays (cheap, no copy)
 * when the image takes its configuration on the kernel command line ("tiny"), and a sparse raw copy when
 * configuration must be written into the disk with debugfs, which edits raw ext4 only.
 */
public final class DiskClonerChoice {

    private final String configured;
    private final DiskCloner qcow2;
    private final DiskCloner sparse;

    /** @param configured auto | qcow2 | sparse */
    public DiskClonerChoice(HostCommands host, String configured) {
        if (!configured.equals("auto") && !configured.equals("qcow2") && !configured.equals("sparse")) {
            throw new IllegalArgumentException("banger.disk-cloner must be auto, qcow2 or sparse, not " + configured);
        }
        this.configured = configured;
        this.qcow2 = new Qcow2OverlayCloner(host);
        this.sparse = new SparseCopyCloner(host);
    }

    public DiskCloner forVm(String vmmKind, boolean imageConfiguredOnCmdline) {
        if (!vmmKind.equals("qemu") || configured.equals("sparse")) {
            return sparse;
        }
        if (configured.equals("qcow2") || imageConfiguredOnCmdline) {
            return qcow2;
        }
        return sparse;
    }

    /** The cloner that made an existing disk of this format. */
    public DiskCloner forFormat(String format) {
        return VmDisk.QCOW2.equals(format) ? qcow2 : sparse;
    }
}
