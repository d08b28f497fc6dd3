package banger.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The directory a preset image lives in (vmlinuz, initrd.img, rootfs.ext4 and a .complete marker written last),
 * and how one is built: in a temporary sibling directory, then moved into place in one rename, so that a
 * half-built image is never taken for a finished one. Downloads are cached in {@code <target's parent>/.cache}.
 */
final class ImageDirectory {

    static final String KERNEL_FILE = DebianCloudKernel.KERNEL_FILE;
    static final String INITRD_FILE = DebianCloudKernel.INITRD_FILE;
    static final String ROOTFS_FILE = "rootfs.ext4";
    static final String COMPLETE_MARKER = ".complete";

    /** Writes an image's files into {@code out}, the .complete marker last. */
    @FunctionalInterface
    interface Contents {
        /** @param work scratch space, deleted afterwards; {@code out} is inside it */
        void writeInto(Path out, Path work, Path cacheDir) throws IOException;
    }

    private final String os;
    private final java.util.Set<ConfigChannel> configVia;

    ImageDirectory(String os, java.util.Set<ConfigChannel> configVia) {
        this.os = os;
        this.configVia = configVia;
    }

    /** The image already complete in {@code targetDir}, if any. */
    Optional<Image> existing(String name, Path targetDir) {
        Path dir = targetDir.toAbsolutePath();
        Path marker = dir.resolve(COMPLETE_MARKER);
        if (!Files.isRegularFile(marker) || !Files.isRegularFile(dir.resolve(KERNEL_FILE))
                || !Files.isRegularFile(dir.resolve(INITRD_FILE)) || !Files.isRegularFile(dir.resolve(ROOTFS_FILE))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Image(name, os, dir.resolve(KERNEL_FILE).toString(), dir.resolve(INITRD_FILE).toString(),
                    null, dir.resolve(ROOTFS_FILE).toString(), Files.size(dir.resolve(ROOTFS_FILE)),
                    Files.getLastModifiedTime(marker).toInstant(), configVia));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read image " + dir, e);
        }
    }

    /** Builds image {@code name} into {@code targetDir}, or returns it if it is already complete there. */
    Image build(String name, Path targetDir, Contents contents) {
        return build(name, targetDir, contents, work -> { });
    }

    /**
     * As {@link #build(String, Path, Contents)}; {@code beforeDelete} runs on the scratch directory once the
     * build ends, however it ends, and the directory is deleted only if it returns normally.
     */
    Image build(String name, Path targetDir, Contents contents, Consumer<Path> beforeDelete) {
        Path target = targetDir.toAbsolutePath();
        Optional<Image> done = existing(name, target);
        if (done.isPresent()) {
            return done.get();
        }
        Path parent = target.getParent();
        Path work = null;
        try {
            Files.createDirectories(parent);
            work = Files.createTempDirectory(parent, "." + target.getFileName() + ".build-");
            Path out = Files.createDirectories(work.resolve("out"));
            contents.writeInto(out, work, parent.resolve(".cache"));
            publish(out, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build image " + name + " in " + target, e);
        } finally {
            if (work != null) {
                beforeDelete.accept(work);
                FileTrees.delete(work);
            }
        }
        return existing(name, target).orElseThrow(() -> new IllegalStateException("image " + name + " incomplete after build"));
    }

    /** Replaces whatever incomplete build is at {@code target} by the finished {@code out} directory. */
    private static void publish(Path out, Path target) throws IOException {
        if (Files.exists(target)) {
            if (Files.isRegularFile(target.resolve(COMPLETE_MARKER))) {
                return;
            }
            FileTrees.delete(target);
        }
        try {
            Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            // a concurrent build published first; its image is as good as ours
        }
    }
}
