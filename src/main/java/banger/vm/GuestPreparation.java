package banger.vm;

import banger.image.Image;
import banger.storage.VmDisk;

/**
 * Guest-facing steps around a boot: what goes into the VM's disk or kernel command line before it boots,
 * and how to tell it has booted. Blocking; called on the blocking dispatcher.
 */
public interface GuestPreparation {

    /** Writes configuration into the VM's own disk (if this disk format allows) before a boot. */
    void configureDisk(VmSpec spec, Image image, VmDisk disk);

    /** Extra kernel command-line parameters for this VM (hostname, address, key for disks that cannot be edited). */
    String kernelParameters(VmSpec spec, Image image, VmDisk disk);

    /** Blocks until the guest is ready or throws with the reason; {@code vmmAlive} tells if the VMM died meanwhile. */
    void awaitReady(VmSpec spec, VmDirectory dir, java.util.function.BooleanSupplier vmmAlive,
                    java.time.Duration timeout);
}
