package banger.storage;

import java.nio.file.Path;

/**
 * Makes a VM's own writable disk from a shared image rootfs, without changing the image.
 * Implementations: qcow2 overlay, sparse copy; dm-snapshot and reflink can join later.
 * Blocking: call from the blocking dispatcher only.
 */
public interface DiskCloner {

    /** Short name for config and logs ("qcow2", "sparse"). */
    String name();

    /** Creates {@code targetDir/<file>} backed by or copied from {@code baseImage}, at least {@code sizeMib} big. */
    VmDisk clone(Path baseImage, Path targetDir, long sizeMib);

    /** Grows the disk to {@code sizeMib} (never shrinks). */
    void resize(VmDisk disk, long sizeMib);

    /** Removes every file this disk owns. Missing files are fine. */
    void remove(VmDisk disk);
}
