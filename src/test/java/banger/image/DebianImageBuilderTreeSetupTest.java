package banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What DebianTreeSetup writes into a debootstrapped tree (a stand-in tree with the files debootstrap leaves). */
class DebianImageBuilderTreeSetupTest {

    @TempDir
    Path root;

    @BeforeEach
    void debootstrappedTree() throws IOException {
        for (String file : List.of("lib/systemd/system/systemd-networkd.service", "lib/systemd/system/ssh.service",
                "lib/systemd/systemd-logind", "usr/bin/dbus-daemon", "usr/bin/kmod", "usr/bin/git", "usr/bin/tmux",
                "etc/ssh/ssh_host_rsa_key", "etc/ssh/ssh_host_ed25519_key.pub", "etc/ssh/sshd_config",
                "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "var/lib/apt/lists/lock",
                "var/cache/apt/archives/git_2.39_amd64.deb", "var/cache/apt/pkgcache.bin", "var/lib/dbus/machine-id")) {
            Files.createDirectories(root.resolve(file).getParent());
            Files.writeString(root.resolve(file), "x");
        }
        Files.createDirectories(root.resolve("sbin"));
        Files.createSymbolicLink(root.resolve("sbin/init"), Path.of("/lib/systemd/systemd"));
        Files.createDirectories(root.resolve("etc/systemd/system/multi-user.target.wants"));
        Files.createDirectories(root.resolve("etc/systemd/system/network-online.target.wants"));
        Files.createSymbolicLink(root.resolve("etc/systemd/system/multi-user.target.wants/networking.service"),
                Path.of("/lib/systemd/system/networking.service"));
        Files.createSymbolicLink(root.resolve("etc/systemd/system/network-online.target.wants/networking.service"),
                Path.of("/lib/systemd/system/networking.service"));
        Files.writeString(root.resolve("etc/shadow"), "root:*:20000:0:99999:7:::\ndaemon:*:20000:0:99999:7:::\n");
        Files.writeString(root.resolve("etc/hostname"), "buildhost\n");
        Files.writeString(root.resolve("etc/resolv.conf"), "nameserver 10.255.255.53\n");
        Files.writeString(root.resolve("etc/machine-id"), "61060e526c234063a003b24ae96d9859\n");
    }

    @Test
    void networkdReplacesIfupdownAndTheNicIsNamedEth0() throws IOException {
        new DebianTreeSetup(root).apply();
        assertLink("etc/systemd/system/multi-user.target.wants/systemd-networkd.service", "/lib/systemd/system/systemd-networkd.service");
        assertLink("etc/systemd/system/sockets.target.wants/systemd-networkd.socket", "/lib/systemd/system/systemd-networkd.socket");
        assertLink("etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service",
                "/lib/systemd/system/systemd-networkd-wait-online.service");
        assertFalse(Files.exists(root.resolve("etc/systemd/system/multi-user.target.wants/networking.service"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(root.resolve("etc/systemd/system/network-online.target.wants/networking.service"), LinkOption.NOFOLLOW_LINKS));
        assertLink("etc/systemd/network/99-default.link", "/dev/null");
    }

    @Test
    void sshdTakesRootByKeyOnlyAndEachVmMakesItsOwnHostKey() throws IOException {
        new DebianTreeSetup(root).apply();
        try (var keys = Files.list(root.resolve("etc/ssh"))) {
            assertEquals(List.of(), keys.filter(p -> p.getFileName().toString().startsWith("ssh_host_")).toList());
        }
        String sshd = Files.readString(root.resolve("etc/ssh/sshd_config.d/banger.conf"));
        assertTrue(sshd.contains("PermitRootLogin prohibit-password"), sshd);
        assertTrue(sshd.contains("PasswordAuthentication no"), sshd);
        assertLink("etc/systemd/system/ssh.service.requires/banger-ssh-hostkeys.service", "/etc/systemd/system/banger-ssh-hostkeys.service");
        String keygen = Files.readString(root.resolve("etc/systemd/system/banger-ssh-hostkeys.service"));
        assertTrue(keygen.contains("Before=ssh.service") && keygen.contains("ssh-keygen"), keygen);
        assertLink("etc/systemd/system/multi-user.target.wants/ssh.service", "/lib/systemd/system/ssh.service");
        assertEquals("root:*:20000:0:99999:7:::\ndaemon:*:20000:0:99999:7:::\n", Files.readString(root.resolve("etc/shadow")));
    }

    @Test
    void readinessUnitRunsAfterNetworkAndSshAndIsEnabled() throws IOException {
        new DebianTreeSetup(root).apply();
        String unit = Files.readString(root.resolve("etc/systemd/system/banger-ready.service"));
        assertTrue(unit.contains("After=network-online.target ssh.service"), unit);
        assertTrue(unit.contains("{ echo; echo banger-guest-ready; } > /dev/console"), unit);
        assertLink("etc/systemd/system/multi-user.target.wants/banger-ready.service", "/etc/systemd/system/banger-ready.service");
    }

    @Test
    void hostLeftoversAndAptCachesAreGoneAndFstabMountsVda() throws IOException {
        new DebianTreeSetup(root).apply();
        assertEquals(DebianTreeSetup.HOSTNAME_PLACEHOLDER + "\n", Files.readString(root.resolve("etc/hostname")));
        assertEquals("", Files.readString(root.resolve("etc/resolv.conf")));
        assertEquals("", Files.readString(root.resolve("etc/machine-id")));
        assertFalse(Files.exists(root.resolve("var/lib/dbus/machine-id")));
        assertEquals(List.of("lock"), names("var/lib/apt/lists"));
        assertEquals(List.of(), names("var/cache/apt/archives"));
        assertEquals(List.of("archives"), names("var/cache/apt"));
        assertTrue(Files.readString(root.resolve("etc/fstab")).lines().anyMatch(l -> l.matches("/dev/vda\\s+/\\s+ext4\\s.*")));
    }

    @Test
    void aTreeWithoutSystemdIsRejected() throws IOException {
        Files.delete(root.resolve("lib/systemd/systemd-logind"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new DebianTreeSetup(root).apply());
        assertTrue(e.getMessage().contains("/lib/systemd/systemd-logind"), e.getMessage());
    }

    @Test
    void aRootWithAPasswordIsLocked() throws IOException {
        Files.writeString(root.resolve("etc/shadow"), "root:$6$salt$hash:20000:0:99999:7:::\n");
        new DebianTreeSetup(root).apply();
        assertEquals("root:*:20000:0:99999:7:::\n", Files.readString(root.resolve("etc/shadow")));
    }

    private void assertLink(String link, String target) throws IOException {
        assertTrue(Files.isSymbolicLink(root.resolve(link)), link + " is not a symlink");
        assertEquals(Path.of(target), Files.readSymbolicLink(root.resolve(link)));
    }

    private List<String> names(String dir) throws IOException {
        try (var entries = Files.list(root.resolve(dir))) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
