package banger.image;

import banger.host.HostCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 * Builds the "tiny" image from Debian packages alone, without mounting anything: Debian's cloud kernel,
 * an initramfs that loads the virtio modules and switch_roots to /dev/vda, and an ext4 root (made by
 * {@code mke2fs -d}) holding busybox, dropbear and banger's guest init (see resources banger/image/tiny).
 *
 * <p>Output in the target directory: vmlinuz, initrd.img, rootfs.ext4 and a .complete marker written last.
 * Downloaded .debs are cached in {@code <target's parent>/.cache}. Building again over a complete image
 * returns it unchanged. Blocking: call from the blocking dispatcher only.
 */
public final class TinyImageBuilder {

    public static final String OS = "tiny";
    static final String KERNEL_METAPACKAGE = "linux-image-cloud-amd64";
    /** What the guest needs from modules: virtio disk and NIC, ext4 if modular, and the ACPI power button. */
    static final List<String> GUEST_MODULES = List.of(
            "virtio", "virtio_ring", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci",
            "virtio_blk", "failover", "net_failover", "virtio_net", "ext4", "button", "evdev");
    static final String KERNEL_FILE = "vmlinuz";
    static final String INITRD_FILE = "initrd.img";
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
        String kernelPackage = packages.resolveDependency(KERNEL_METAPACKAGE);
        Path kernelRoot = work.resolve("kernel");
        Path busyboxRoot = work.resolve("busybox");
        Path dropbearRoot = work.resolve("dropbear");
        packages.unpack(packages.fetch(kernelPackage), kernelRoot);
        packages.unpack(packages.fetch("busybox-static"), busyboxRoot);
        packages.unpack(packages.fetch("dropbear-bin"), dropbearRoot);

        Path out = Files.createDirectories(work.resolve("out"));
        String kernelVersion = kernelVersion(kernelRoot);
        Files.copy(kernelRoot.resolve("boot/vmlinuz-" + kernelVersion), out.resolve(KERNEL_FILE));
        Path busybox = busyboxRoot.resolve("bin/busybox");
        writeInitramfs(out.resolve(INITRD_FILE), busybox, kernelRoot, kernelVersion);

        Path root = work.resolve("root");
        stageRoot(root, busybox, dropbearRoot);
        commands.check(List.of("mke2fs", "-t", "ext4", "-F", "-q", "-L", "banger-root", "-d", root.toString(),
                out.resolve(ROOTFS_FILE).toString(), ROOTFS_MIB + "M"), TOOL_TIMEOUT);
        Files.writeString(out.resolve(COMPLETE_MARKER), kernelPackage + "\n");
    }

    private static String kernelVersion(Path kernelRoot) throws IOException {
        try (Stream<Path> versions = Files.list(kernelRoot.resolve("lib/modules"))) {
            List<Path> found = versions.filter(Files::isDirectory).toList();
            if (found.size() != 1) {
                throw new IllegalStateException("expected one kernel in the package, found " + found);
            }
            return found.get(0).getFileName().toString();
        }
    }

    private void writeInitramfs(Path initrd, Path busybox, Path kernelRoot, String kernelVersion) throws IOException {
        Path modulesDir = kernelRoot.resolve("lib/modules").resolve(kernelVersion);
        if (!Files.exists(modulesDir.resolve("modules.dep"))) {
            // the .deb ships no modules.dep: depmod makes it at install time
            commands.check(List.of("depmod", "-b", kernelRoot.toString(), kernelVersion), TOOL_TIMEOUT);
        }
        KernelModules modules = new KernelModules(Files.readString(modulesDir.resolve("modules.dep")),
                Files.readString(modulesDir.resolve("modules.builtin")));
        List<String> order = modules.loadOrder(GUEST_MODULES);

        try (OutputStream file = Files.newOutputStream(initrd); InitramfsWriter cpio = new InitramfsWriter(file)) {
            for (String dir : List.of("bin", "dev", "proc", "sys", "newroot", "lib", "lib/modules")) {
                cpio.directory(dir, 0755);
            }
            cpio.characterDevice("dev/console", 0600, 5, 1);
            cpio.characterDevice("dev/null", 0666, 1, 3);
            cpio.file("bin/busybox", 0755, busybox);
            cpio.file("init", 0755, resource("initramfs-init"));
            StringBuilder loadOrder = new StringBuilder();
            for (String path : order) {
                String name = KernelModules.nameOf(path);
                cpio.file("lib/modules/" + name + ".ko", 0644, modulesDir.resolve(path));
                loadOrder.append(name).append('\n');
            }
            cpio.file("lib/modules/load-order", 0644, loadOrder.toString().getBytes(StandardCharsets.UTF_8));
        }
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
    private static void publish(Path out, Path target) throws IOException {
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

    private static void deleteTree(Path dir) {
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
