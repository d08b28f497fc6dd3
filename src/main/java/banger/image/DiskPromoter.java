package banger.image;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.host.HostCommands;
import banger.wire.ImageNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Makes an image from a stopped VM's disk: {@code qemu-img convert} flattens a qcow2 overlay (with its backing
 * image) or copies a raw disk into a sparse raw {@code rootfs.ext4}; the kernel, initramfs and vmlinux are the
 * base image's, linked (or copied) so the new image owns its files. Built in a scratch directory beside the
 * target and moved into place in one rename. Blocking.
 */
public final class DiskPromoter {

    public static final String SOURCE = "promoted";
    private static final Duration CONVERT_TIMEOUT = Duration.ofMinutes(20);

    private final HostCommands host;
    private final Path imagesDir;

    public DiskPromoter(HostCommands host, Path imagesDir) {
        this.host = host;
        this.imagesDir = imagesDir.toAbsolutePath();
    }

    public Image promote(String name, Image base, Path disk, BuildListener listener) {
        if (!ImageNames.valid(name)) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, ImageNames.invalid(name));
        }
        if (!Files.isRegularFile(disk)) {
            throw new Rejected(Rejection.Reason.CONFLICT, "the VM has no disk yet (it was never started)");
        }
        String format = disk.getFileName().toString().endsWith(".qcow2") ? "qcow2" : "raw";
        Path target = imagesDir.resolve(name);
        Path work = null;
        try {
            Files.createDirectories(imagesDir);
            work = Files.createTempDirectory(imagesDir, "." + name + ".promote-");
            Path out = Files.createDirectories(work.resolve("out"));
            listener.progress(BuildProgress.phase("flattening"));
            host.check(List.of("qemu-img", "convert", "-f", format, "-O", "raw", "-S", "4k", disk.toString(),
                    out.resolve("rootfs.ext4").toString()), CONVERT_TIMEOUT);
            listener.checkCancelled();
            String vmlinux = base.vmlinux() != null && Files.isRegularFile(Path.of(base.vmlinux()))
                    ? linkInto(Path.of(base.vmlinux()), out, "vmlinux") : null;
            String initrd = base.initrd() != null ? linkInto(Path.of(base.initrd()), out, "initrd.img") : null;
            linkInto(Path.of(base.kernel()), out, "vmlinuz");
            Files.writeString(out.resolve(ImageDirectory.COMPLETE_MARKER), "promoted from " + disk + "\n");
            if (Files.exists(target)) {
                // a leftover of an image no longer registered (the registry refuses names in use)
                FileTrees.delete(target);
            }
            Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
            Path rootfs = target.resolve("rootfs.ext4");
            return new Image(name, base.os(), target.resolve("vmlinuz").toString(),
                    initrd == null ? null : target.resolve("initrd.img").toString(),
                    vmlinux == null ? null : target.resolve("vmlinux").toString(), rootfs.toString(),
                    Files.size(rootfs), Instant.now(), base.configVia(), SOURCE, base.init());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot promote " + disk + " to image " + name + ": " + e, e);
        } finally {
            if (work != null) {
                FileTrees.delete(work);
            }
        }
    }

    private static String linkInto(Path source, Path dir, String file) throws IOException {
        Path target = dir.resolve(file);
        try {
            Files.createLink(target, source);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(source, target);
        }
        return target.toString();
    }
}
