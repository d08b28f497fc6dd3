package banger.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Turns a freshly debootstrapped Debian tree into a VM root by writing files into it (no chroot): systemd-networkd
 * instead of ifupdown's networking.service, sshd for root by key only with a host key made per VM, a unit that
 * announces readiness on the console, and no host-specific leftovers (hostname, resolver, machine-id, host keys,
 * apt lists and downloaded packages). Per-VM values (hostname, address, key) are written later by
 * banger.guest.GuestConfigWriter.
 */
final class DebianTreeSetup {

    static final String HOSTNAME_PLACEHOLDER = "debian";
    private static final String RESOURCES = "/banger/image/debian/";
    private static final String UNITS = "lib/systemd/system/";
    private static final String LOCAL_UNITS = "etc/systemd/system/";

    private final Path root;

    DebianTreeSetup(Path root) {
        this.root = root;
    }

    void apply() throws IOException {
        requireDebootstrapped();
        configureNetwork();
        configureSsh();
        enable("banger-ready.service", "multi-user.target.wants", LOCAL_UNITS);
        install("banger-ready.service", LOCAL_UNITS + "banger-ready.service", "rw-r--r--");
        lockRoot();
        install("fstab", "etc/fstab", "rw-r--r--");
        install("hosts", "etc/hosts", "rw-r--r--");
        // debootstrap copied the host's hostname and resolver; GuestConfigWriter writes the VM's own
        replace("etc/hostname", HOSTNAME_PLACEHOLDER + "\n");
        replace("etc/resolv.conf", "");
        // empty: systemd makes a fresh machine-id at each VM's first boot, so VMs do not share one
        replace("etc/machine-id", "");
        Files.deleteIfExists(root.resolve("var/lib/dbus/machine-id"));
        deleteContents(root.resolve("var/lib/apt/lists"), name -> !name.equals("partial") && !name.equals("lock"));
        deleteContents(root.resolve("var/cache/apt/archives"), name -> name.endsWith(".deb"));
        deleteContents(root.resolve("var/cache/apt"), name -> name.endsWith(".bin"));
    }

    private void requireDebootstrapped() {
        for (String needed : List.of("sbin/init", UNITS + "systemd-networkd.service", UNITS + "ssh.service",
                "lib/systemd/systemd-logind", "usr/bin/dbus-daemon", "usr/bin/kmod", "usr/bin/git", "usr/bin/tmux")) {
            if (!Files.exists(root.resolve(needed), LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalStateException("debootstrapped tree " + root + " lacks /" + needed);
            }
        }
    }

    private void configureNetwork() throws IOException {
        enable("systemd-networkd.service", "multi-user.target.wants", UNITS);
        enable("systemd-networkd.socket", "sockets.target.wants", UNITS);
        enable("systemd-networkd-wait-online.service", "network-online.target.wants", UNITS);
        link(LOCAL_UNITS + "dbus-org.freedesktop.network1.service", "/" + UNITS + "systemd-networkd.service");
        // ifupdown stays installed for manual use, but two managers adding the same address would race
        Files.deleteIfExists(root.resolve(LOCAL_UNITS + "multi-user.target.wants/networking.service"));
        Files.deleteIfExists(root.resolve(LOCAL_UNITS + "network-online.target.wants/networking.service"));
        // masks udev's predictable names: the NIC is eth0 whatever the kernel command line says
        Files.createDirectories(root.resolve("etc/systemd/network"));
        link("etc/systemd/network/99-default.link", "/dev/null");
    }

    private void configureSsh() throws IOException {
        try (DirectoryStream<Path> keys = Files.newDirectoryStream(root.resolve("etc/ssh"), "ssh_host_*")) {
            for (Path key : keys) {
                Files.delete(key);
            }
        }
        install("sshd-banger.conf", "etc/ssh/sshd_config.d/banger.conf", "rw-r--r--");
        install("banger-ssh-hostkeys.service", LOCAL_UNITS + "banger-ssh-hostkeys.service", "rw-r--r--");
        enable("banger-ssh-hostkeys.service", "ssh.service.requires", LOCAL_UNITS);
        enable("ssh.service", "multi-user.target.wants", UNITS);
        link(LOCAL_UNITS + "sshd.service", "/" + UNITS + "ssh.service");
    }

    /** No password works for root (console logins included); SSH with the daemon's key is the way in. */
    private void lockRoot() throws IOException {
        Path shadow = root.resolve("etc/shadow");
        String locked = Files.readString(shadow).lines()
                .map(line -> line.startsWith("root:") ? "root:*:" + line.split(":", 3)[2] : line)
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(shadow, locked);
    }

    /** What `systemctl enable` would do: a symlink in {@code <target>.wants} (or .requires) to the unit. */
    private void enable(String unit, String wantsDir, String unitDir) throws IOException {
        Path dir = root.resolve(LOCAL_UNITS + wantsDir);
        Files.createDirectories(dir);
        link(LOCAL_UNITS + wantsDir + "/" + unit, "/" + unitDir + unit);
    }

    private void link(String path, String target) throws IOException {
        Path link = root.resolve(path);
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, Path.of(target));
    }

    private void replace(String path, String content) throws IOException {
        Path file = root.resolve(path);
        Files.deleteIfExists(file);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private void install(String resource, String target, String permissions) throws IOException {
        Path file = root.resolve(target);
        Files.createDirectories(file.getParent());
        try (InputStream in = DebianTreeSetup.class.getResourceAsStream(RESOURCES + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCES + resource);
            }
            Files.write(file, in.readAllBytes());
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    }

    private static void deleteContents(Path dir, Predicate<String> which) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS) && which.test(entry.getFileName().toString())) {
                    Files.delete(entry);
                }
            }
        }
    }
}
