package banger.storage;

import banger.host.HostCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/**
 * The fallback cloner: a sparse raw copy of the image (only its data blocks take space), grown with its
 * ext4 to the requested size. Works on any filesystem; costs one full read of the image per VM.
 */
public final class SparseCopyCloner implements DiskCloner {

    public static final String NAME = "sparse";
    static final String DISK_FILE = "disk.raw";
    static final String PARTIAL_SUFFIX = ".partial";
    private static final Duration COPY_TIMEOUT = Duration.ofMinutes(10);

    private final HostCommands commands;
    private final Ext4Grower grower;

    public SparseCopyCloner(HostCommands commands) {
        this.commands = commands;
        this.grower = new Ext4Grower(commands);
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Copies and grows into a temporary file and renames it into place only when complete, so a daemon killed
     * mid-copy leaves no truncated disk that the next start would boot from (a leftover temporary is replaced).
     */
    @Override
    public VmDisk clone(Path baseImage, Path targetDir, long sizeMib) {
        Path disk = targetDir.resolve(DISK_FILE);
        Path partial = targetDir.resolve(DISK_FILE + PARTIAL_SUFFIX);
        try {
            Files.createDirectories(targetDir);
            long bytes = DiskSizes.requireAtLeastImage(baseImage, sizeMib);
            Files.deleteIfExists(partial);
            commands.check(List.of("cp", "--sparse=always", "--", baseImage.toString(), partial.toString()),
                    COPY_TIMEOUT);
            grower.grow(partial, bytes);
            Files.move(partial, disk, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(partial);
            throw new UncheckedIOException("cannot clone " + baseImage + " into " + targetDir, e);
        } catch (RuntimeException e) {
            deleteQuietly(partial);
            throw e;
        }
        return new VmDisk(disk, VmDisk.RAW);
    }

    @Override
    public void resize(VmDisk disk, long sizeMib) {
        grower.grow(disk.path(), DiskSizes.bytes(sizeMib));
    }

    @Override
    public void remove(VmDisk disk) {
        deleteQuietly(disk.path());
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file, e);
        }
    }
}
