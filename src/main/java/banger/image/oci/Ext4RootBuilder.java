package banger.image.oci;

import banger.host.HostCommands;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;

/**
 * Makes an ext4 image of a directory tree with {@code mke2fs -d} (no mounting; owners, modes, symlinks and
 * hard links come from the tree). The size is the tree's blocks plus a quarter and 64 MiB of headroom, the
 * inode count twice the tree's entries (at least 16384), so images of many small files do not run out of inodes.
 */
public final class Ext4RootBuilder {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    private static final long BLOCK = 4096;
    private static final long HEADROOM = 64L << 20;

    private final HostCommands host;

    public Ext4RootBuilder(HostCommands host) {
        this.host = host;
    }

    /** @return the image's size in bytes */
    public long build(Path tree, Path image, String label) throws IOException {
        long[] usage = usage(tree);
        long bytes = usage[0] + usage[0] / 4 + HEADROOM;
        long mib = (bytes + (1 << 20) - 1) >> 20;
        long inodes = Math.max(16384, usage[1] * 2);
        host.check(List.of("mke2fs", "-t", "ext4", "-F", "-q", "-L", label, "-N", Long.toString(inodes),
                "-d", tree.toString(), image.toString(), mib + "M"), TIMEOUT);
        return Files.size(image);
    }

    /** {bytes in whole blocks, entries} of the tree, symlinks not followed. */
    static long[] usage(Path tree) throws IOException {
        long[] totals = new long[2];
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                totals[0] += BLOCK;
                totals[1]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                totals[0] += (attrs.size() + BLOCK - 1) / BLOCK * BLOCK;
                totals[1]++;
                return FileVisitResult.CONTINUE;
            }
        });
        return totals;
    }
}
