package banger.image;

import banger.host.HostCommands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds the "debian" image: a Debian bookworm root made by {@code debootstrap --variant=minbase} (systemd,
 * sshd, git, tmux, ...), set up for a VM by {@link DebianTreeSetup}, packed into ext4 by {@code mke2fs -d}
 * (nothing is mounted by banger), booted with the kernel and initramfs of {@link DebianCloudKernel}, whose
 * modules are all installed in the root too.
 * The guest needs no extra kernel parameters: its NIC is eth0 either way and systemd finds the serial
 * console from {@code console=ttyS0}.
 *
 * <p>Output: an {@link ImageDirectory}. The debootstrapped tree is cached as a tar in
 * {@code <target's parent>/.cache}, so rebuilding downloads nothing. Building again over a complete image
 * returns it unchanged. Blocking and slow (minutes the first time): call from the blocking dispatcher only.
 */
public final class DebianImageBuilder {

    public static final String OS = "debian";
    static final String SUITE = "bookworm";
    /**
     * dbus is there for systemd-logind, which turns the ACPI power button (QMP system_powerdown) into a poweroff;
     * kmod (modprobe) for the kernel modules installed beside it, which minbase would leave unusable.
     */
    static final List<String> PACKAGES = List.of("systemd-sysv", "udev", "dbus", "kmod", "openssh-server", "git", "tar",
            "tmux", "iproute2", "ifupdown", "iputils-ping", "ca-certificates", "netbase");

    private static final Pattern MIRROR = Pattern.compile("(https?|file)://[^\\s,]+");
    private static final Duration DEBOOTSTRAP_TIMEOUT = Duration.ofMinutes(20);
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(5);
    /** Free space in the image itself; each VM's disk is grown to its own size when it is cloned. */
    private static final long HEADROOM_MIB = 256;

    private final ImageDirectory directory = new ImageDirectory(OS, java.util.Set.of(ConfigChannel.DISK));
    private final HostCommands commands;
    private final String mirror;
    private final Path packageCache;

    /** Bootstraps from the Debian mirror the host's apt uses (/etc/apt), or deb.debian.org if none is found. */
    public DebianImageBuilder(HostCommands commands) {
        this(commands, DebianMirror.forSuite(Path.of("/etc/apt"), SUITE));
    }

    /** @param mirror a Debian archive URL, e.g. http://deb.debian.org/debian */
    public DebianImageBuilder(HostCommands commands, String mirror) {
        this(commands, mirror, null);
    }

    /**
     * @param packageCache where downloaded .debs and the debootstrapped tree are kept (shared by every state dir);
     *                     null: beside the image
     */
    public DebianImageBuilder(HostCommands commands, String mirror, Path packageCache) {
        if (mirror == null || !MIRROR.matcher(mirror).matches()) {
            throw new IllegalArgumentException("Debian mirror must be an http(s):// or file:// URL: " + mirror);
        }
        this.commands = commands;
        this.mirror = mirror;
        this.packageCache = packageCache;
    }

    public String mirror() {
        return mirror;
    }

    /** The image already complete in {@code targetDir}, if any. */
    public Optional<Image> existing(String name, Path targetDir) {
        return directory.existing(name, targetDir);
    }

    /** Builds image {@code name} into {@code targetDir}, or returns it if it is already complete there. */
    public Image build(String name, Path targetDir) {
        return directory.build(name, targetDir, this::writeInto, work -> DebianMounts.unmountUnder(commands, work));
    }

    private void writeInto(Path out, Path work, Path besideImage) throws IOException {
        Path cacheDir = packageCache != null ? packageCache : besideImage;
        DebianCloudKernel.BootFiles boot = new DebianCloudKernel(commands, new DebianPackages(commands, cacheDir)).writeBootFiles(work, out);
        Path root = work.resolve("root");
        bootstrap(root, cacheDir);
        new DebianTreeSetup(root).apply();
        installModules(boot.modulesDir(), root);
        commands.check(List.of("mke2fs", "-t", "ext4", "-F", "-q", "-L", "rootfs", "-d", root.toString(),
                out.resolve(ImageDirectory.ROOTFS_FILE).toString(), rootfsMib(root) + "M"), TOOL_TIMEOUT);
        Files.writeString(out.resolve(ImageDirectory.COMPLETE_MARKER), boot.kernelPackage() + "\n" + SUITE + " from " + mirror + "\n");
    }

    /**
     * All of the kernel's modules, so the guest can load what the initramfs did not (overlay, nf_tables, fuse,
     * loop, ... for containers and firewalls). /lib is /usr/lib in bookworm's merged-/usr layout.
     */
    private void installModules(Path modulesDir, Path root) throws IOException {
        Path modules = Files.createDirectories(root.resolve("usr/lib/modules"));
        commands.check(List.of("cp", "-a", "--", modulesDir.toString(), modules.toString()), TOOL_TIMEOUT);
    }

    /** Fills {@code root} from the cached tarball, or runs debootstrap and caches its result first. */
    private void bootstrap(Path root, Path cacheDir) throws IOException {
        Path tarball = cacheDir.resolve("debootstrap-" + SUITE + "-minbase-" + packagesKey() + ".tar");
        Files.createDirectories(root);
        if (Files.isRegularFile(tarball)) {
            commands.check(List.of("tar", "--extract", "--file", tarball.toString(), "--directory", root.toString(),
                    "--numeric-owner", "--preserve-permissions", "--xattrs", "--xattrs-include=*"), TOOL_TIMEOUT);
        } else {
            commands.check(List.of("debootstrap", "--variant=minbase", "--include=" + String.join(",", PACKAGES),
                    SUITE, root.toString(), mirror), DEBOOTSTRAP_TIMEOUT);
            cacheTree(root, cacheDir, tarball);
        }
        removeOtherTarballs(cacheDir, tarball);
    }

    private void cacheTree(Path root, Path cacheDir, Path tarball) throws IOException {
        Files.createDirectories(cacheDir);
        Path partial = Files.createTempFile(cacheDir, tarball.getFileName().toString(), ".partial");
        try {
            commands.check(List.of("tar", "--create", "--file", partial.toString(), "--directory", root.toString(),
                    "--numeric-owner", "--xattrs", "--xattrs-include=*", "."), TOOL_TIMEOUT);
            Files.move(partial, tarball, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** Trees cached for an older package list are never read again, and each is ~400 MB. */
    private static void removeOtherTarballs(Path cacheDir, Path current) throws IOException {
        String prefix = "debootstrap-" + SUITE + "-minbase-";
        try (Stream<Path> files = Files.list(cacheDir)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (name.startsWith(prefix) && name.endsWith(".tar") && !file.equals(current)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** The cache is keyed on the package list, so changing it bootstraps afresh. */
    private static String packagesKey() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.join(",", PACKAGES).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }

    /** The tree's disk usage plus a fifth and {@value #HEADROOM_MIB} MiB, for ext4's metadata and journal. */
    private long rootfsMib(Path root) {
        String usage = commands.check(List.of("du", "--summarize", "--block-size=1M", root.toString()), TOOL_TIMEOUT).stdout();
        long used = Long.parseLong(usage.strip().split("\\s+")[0]);
        return used + used / 5 + HEADROOM_MIB;
    }
}
