package banger.vm;

import banger.storage.VmDisk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Objects;

/**
 * What a suspend kept beside the guest's memory and device state: its size, when, the sizes the guest ran with, which
 * VMM wrote it, and a fingerprint of the VM's disk taken after the VMM exited. A warm start uses the state only if
 * all of them still match; otherwise it boots cold and says which did not.
 */
public record SavedState(long bytes, Instant savedAt, int vcpus, int memoryMib, String vmm, DiskFingerprint disk) {

    /**
     * A cheap check that the disk is the one the guest's memory expects: the disk is written only by its VMM, so any
     * write after the suspend (a resize, a touch, an edit) changes its size, modification or change time.
     */
    public record DiskFingerprint(String path, long size, long modifiedNanos, long changedNanos, String fileKey) {

        static DiskFingerprint of(VmDisk disk) {
            Path f = disk.path();
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                FileTime changed = (FileTime) Files.getAttribute(f, "unix:ctime");
                return new DiskFingerprint(f.toAbsolutePath().toString(), a.size(), nanos(a.lastModifiedTime()),
                        nanos(changed), String.valueOf(a.fileKey()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the attributes of " + f, e);
            }
        }

        private static long nanos(FileTime t) {
            Instant i = t.toInstant();
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        }
    }

    /** Why this state cannot resume {@code spec} on {@code disk} with VMM {@code vmmKind}, or null when it can. */
    String unusableFor(VmSpec spec, VmDisk disk, String vmmKind) {
        if (!Objects.equals(vmm, vmmKind)) {
            return "the state was saved by " + vmm + ", this daemon runs " + vmmKind;
        }
        if (vcpus != spec.vcpus() || memoryMib != spec.memoryMib()) {
            return "the VM's size changed since the suspend (" + vcpus + " vCPUs / " + memoryMib + " MiB then, "
                    + spec.vcpus() + " / " + spec.memoryMib() + " now)";
        }
        DiskFingerprint now = DiskFingerprint.of(disk);
        if (!now.equals(this.disk)) {
            return "the disk changed since the suspend";
        }
        return null;
    }
}
