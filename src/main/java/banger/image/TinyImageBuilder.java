package banger.image;

import banger.host.HostCommands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the "tiny" image from Debian packages alone, without mounting anything: the boot files of
 * {@link DebianCloudKernel} and an ext4 root (made by {@code mke2fs -d}) holding busybox, dropbear, util-linux
 * script (the terminal of tty sessions) and banger's guest init (see resources banger/image/tiny).
 *
 * <p>Output: an {@link ImageDirectory}; downloaded .debs are cached in {@code <target's parent>/.cache}.
 * Building again over a complete image returns it unchanged. Blocking: call from the blocking dispatcher only.
 */
public final class TinyImageBuilder {

    public static final String OS = "tiny";

    private static final long ROOTFS_MIB = 64;
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);
    private static final String RESOURCES = "/banger/image/tiny/";

    private final ImageDirectory directory = new ImageDirectory(OS,
            // its init reads banger.* kernel parameters, and /etc/banger/guest.env when written into its disk
            java.util.Set.of(ConfigChannel.KERNEL_CMDLINE, ConfigChannel.DISK));
    private final HostCommands commands;
    private final Path packageCache;

    /** Caches downloaded .debs in {@code <target's parent>/.cache}. */
    public TinyImageBuilder(HostCommands commands) {
        this(commands, null);
    }

    /** @param packageCache where downloaded .debs are kept (shared by every state dir); null: beside the image */
    public TinyImageBuilder(HostCommands commands, Path packageCache) {
        this.commands = commands;
        this.packageCache = packageCache;
    }

    /** The image already complete in {@code targetDir}, if any. */
    public Optional<Image> existing(String name, Path targetDir) {
        return directory.existing(name, targetDir);
    }

    /** Builds image {@code name} into {@code targetDir}, or returns it if it is already complete there. */
    public Image build(String name, Path targetDir) {
        return directory.build(name, targetDir, this::writeInto);
    }

    private void writeInto(Path out, Path work, Path cacheDir) throws IOException {
        DebianPackages packages = new DebianPackages(commands, packageCache != null ? packageCache : cacheDir);
        String kernelPackage = new DebianCloudKernel(commands, packages).writeBootFiles(work, out).kernelPackage();
        Path busyboxRoot = work.resolve("busybox");
        Path dropbearRoot = work.resolve("dropbear");
        packages.unpack(packages.fetch("busybox-static"), busyboxRoot);
        packages.unpack(packages.fetch("dropbear-bin"), dropbearRoot);

        Path root = work.resolve("root");
        stageRoot(root, busyboxRoot.resolve("bin/busybox"), dropbearRoot);
        commands.check(List.of("mke2fs", "-t", "ext4", "-F", "-q", "-L", "banger-root", "-d", root.toString(),
                out.resolve(ImageDirectory.ROOTFS_FILE).toString(), ROOTFS_MIB + "M"), TOOL_TIMEOUT);
        Files.writeString(out.resolve(ImageDirectory.COMPLETE_MARKER), kernelPackage + "\n");
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
        // util-linux script gives a tty session its terminal; busybox has no applet for that
        Path script = Path.of("/usr/bin/script");
        Files.copy(script, root.resolve("usr/bin/script"), StandardCopyOption.COPY_ATTRIBUTES,
                StandardCopyOption.REPLACE_EXISTING);
        Set<Path> libraries = new LinkedHashSet<>();
        for (Path program : List.of(programs.get(0), programs.get(1), resize2fs, script)) {
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
}
