package banger.image;

import banger.host.HostCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Builds the "tiny" image from Debian packages alone, without mounting anything: the boot files of
 * {@link DebianCloudKernel} and an ext4 root (made by {@code mke2fs -d}) holding busybox, dropbear and
 * banger's guest init (see resources banger/image/tiny).
 *
 * <p>Output in the target directory: vmlinuz, initrd.img, rootfs.ext4 and a .complete marker written last.
 * Downloaded .debs are cached in {@code <target's parent>/.cache}. Building again over a complete image
 * returns it unchanged. Blocking: call from the blocking dispatcher only.
 */
public final class TinyImageBuilder {

    public static final String OS = "tiny";
    static final String KERNEL_FILE = DebianCloudKernel.KERNEL_FILE;
    static final String INITRD_FILE = DebianCloudKernel.INITRD_FILE;
    static final String ROOTFS_FILE = "rootfs.ext4";
    static final String COMPLETE_MARKER = ".complete";

    private static final long ROOTFS_MIB = 64;
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);
    private static final String RESOURCES = "/banger/image/tiny/";

    private final HostCommands commands;

    public TinyImageBuilder(HostCommands commands) {
        this.commands = commands;
    }

    /** The image already complete in {@code targetDir}, if any. */
    public Optional<Image> existing(String name, Path targetDir) {
        Path dir = targetDir.toAbsolutePath();
        Path marker = dir.resolve(COMPLETE_MARKER);
        if (!Files.isRegularFile(marker) || !Files.isRegularFile(dir.resolve(KERNEL_FILE))
                || !Files.isRegularFile(dir.resolve(INITRD_FILE)) || !Files.isRegularFile(dir.resolve(ROOTFS_FILE))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Image(name, OS, dir.resolve(KERNEL_FILE).toString(), dir.resolve(INITRD_FILE).toString(),
                    null, dir.resolve(ROOTFS_FILE).toString(), Files.size(dir.resolve(ROOTFS_FILE)),
                    Files.getLastModifiedTime(marker).toInstant()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read image " + dir, e);
        }
    }

    /** Builds image {@code name} into {@code targetDir}, or returns it if it is already complete there. */
    public Image build(String name, Path targetDir) {
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
            buildInto(work, parent.resolve(".cache"));
            publish(work.resolve("out"), target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build image " + name + " in " + target, e);
        } finally {
            if (work != null) {
                deleteTree(work);
            }
        }
        return existing(name, target).orElseThrow(() -> new IllegalStateException("image " + name + " incomplete after build"));
    }

    private void buildInto(Path work, Path cacheDir) throws IOException {
        DebianPackages packages = new DebianPackages(commands, cacheDir);
        Path out = Files.createDirectories(work.resolve("out"));
        String kernelPackage = new DebianCloudKernel(commands, packages).writeBootFiles(work, out).kernelPackage();
        Path busyboxRoot = work.resolve("busybox");
        Path dropbearRoot = work.resolve("dropbear");
        packages.unpack(packages.fetch("busybox-static"), busyboxRoot);
        packages.unpack(packages.fetch("dropbear-bin"), dropbearRoot);

        Path root = work.resolve("root");
        stageRoot(root, busyboxRoot.resolve("bin/busybox"), dropbearRoot);
        commands.check(List.of("mke2fs", "-t", "ext4", "-F", "-q", "-L", "banger-root", "-d", root.toString(),
                out.resolve(ROOTFS_FILE).toString(), ROOTFS_MIB + "M"), TOOL_TIMEOUT);
        Files.writeString(out.resolve(COMPLETE_MARKER), kernelPackage + "\n");
    }

    private void stageRoot(Path root, Path busybox, Path dropbearRoot) throws IOException {
        for (String dir : List.of("bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "run", "tmp",
                "var/log", "etc/banger", "etc/dropbear", "etc/acpi/PWRF", "lib", "root/.ssh")) {
            Files.createDirectories(root.resolve(dir));
        }
        Files.setPosixFilePermissions(root.resolve("root"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(root.resolve("root/.ssh"), PosixFilePermissions.fromString("rwx------"));
        Files.createSymbolicLink(root.resolve("var/run"), Path.of("/run"));

        Files.copy(busybox, root.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        String applets = commands.check(List.of(busybox.toString(), "--list-full"), TOOL_TIMEOUT).stdout();
        for (String applet : applets.split("\n")) {
            String relative = applet.strip();
            if (relative.isEmpty() || relative.equals("bin/busybox")) {
                continue;
            }
            Path link = root.resolve(relative);
            Files.createDirectories(link.getParent());
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of("/bin/busybox"));
            }
        }

        List<Path> programs = List.of(dropbearRoot.resolve("usr/sbin/dropbear"), dropbearRoot.resolve("usr/bin/dropbearkey"));
        Files.copy(programs.get(0), root.resolve("usr/sbin/dropbear"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(programs.get(1), root.resolve("usr/bin/dropbearkey"), StandardCopyOption.COPY_ATTRIBUTES);
        // resize2fs lets the guest grow its root online when its disk (e.g. a qcow2 overlay) is bigger than the image
        Path resize2fs = Path.of("/sbin/resize2fs");
        Files.copy(resize2fs, root.resolve("sbin/resize2fs"), StandardCopyOption.COPY_ATTRIBUTES);
        Set<Path> libraries = new LinkedHashSet<>();
        for (Path program : List.of(programs.get(0), programs.get(1), resize2fs)) {
            String ldd = commands.check(List.of("ldd", program.toString()), TOOL_TIMEOUT).stdout();
            libraries.addAll(SharedLibraries.fromLdd(program.toString(), ldd));
        }
        for (Path library : libraries) {
            Path copy = root.resolve(library.toString().substring(1));
            Files.createDirectories(copy.getParent());
            Files.copy(library, copy, StandardCopyOption.REPLACE_EXISTING);
        }

        installResource(root, "inittab", "etc/inittab", "rw-r--r--");
        installResource(root, "boot", "etc/banger/boot", "rwxr-xr-x");
        installResource(root, "stop", "etc/banger/stop", "rwxr-xr-x");
        installResource(root, "power-button", "etc/acpi/PWRF/00000080", "rwxr-xr-x");
        installResource(root, "passwd", "etc/passwd", "rw-r--r--");
        installResource(root, "group", "etc/group", "rw-r--r--");
        installResource(root, "shadow", "etc/shadow", "rw-------");
        installResource(root, "shells", "etc/shells", "rw-r--r--");
        Files.writeString(root.resolve("etc/hostname"), "tiny\n");
    }

    private static void installResource(Path root, String resource, String target, String permissions) throws IOException {
        Path file = root.resolve(target);
        Files.write(file, resource(resource));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = TinyImageBuilder.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCES + name);
            }
            return in.readAllBytes();
        }
    }

    /** Replaces whatever incomplete build is at {@code target} by the finished {@code out} directory. */
    static void publish(Path out, Path target) throws IOException {
        if (Files.exists(target)) {
            if (Files.isRegularFile(target.resolve(COMPLETE_MARKER))) {
                return;
            }
            deleteTree(target);
        }
        try {
            Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            // a concurrent build published first; its image is as good as ours
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
