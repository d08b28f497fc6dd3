package banger.storage;

import banger.host.HostCommands;

/**
 * Picks how a VM's disk is made, from what the VMM and the image declare: a qcow2 overlay (cheap, no copy) when
 * the VMM takes qcow2 and the guest reads its configuration from the kernel command line, and a sparse raw copy
 * otherwise (raw-only VMMs, and configuration written into the disk with debugfs, which edits raw ext4 only).
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

    public DiskCloner forVm(boolean vmmTakesQcow2, boolean guestReadsCmdline) {
        if (!vmmTakesQcow2 || configured.equals("sparse")) {
            return sparse;
        }
        if (configured.equals("qcow2") || guestReadsCmdline) {
            return qcow2;
        }
        return sparse;
    }

    /** The cloner that made an existing disk of this format. */
    public DiskCloner forFormat(String format) {
        return VmDisk.QCOW2.equals(format) ? qcow2 : sparse;
    }
}
