package banger.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Disk size arithmetic and checks shared by the cloners. */
final class DiskSizes {

    static final long MIB = 1024L * 1024L;

    private DiskSizes() {
    }

    static long bytes(long sizeMib) {
        if (sizeMib <= 0) {
            throw new IllegalArgumentException("disk size must be positive, got " + sizeMib + " MiB");
        }
        return Math.multiplyExact(sizeMib, MIB);
    }

    /** The requested size in bytes, rejecting a disk smaller than its image (that would cut the filesystem). */
    static long requireAtLeastImage(Path baseImage, long sizeMib) throws IOException {
        long bytes = bytes(sizeMib);
        long imageBytes = Files.size(baseImage);
        if (bytes < imageBytes) {
            throw new IllegalArgumentException("disk of " + sizeMib + " MiB is smaller than image " + baseImage + " ("
                    + (imageBytes + MIB - 1) / MIB + " MiB)");
        }
        return bytes;
    }
}
