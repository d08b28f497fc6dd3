package banger.guest;

import banger.host.CommandResult;
import banger.host.HostCommandException;
import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GuestConfigWriter on real ext4 images made with mke2fs -d, read back with debugfs, checked with e2fsck. */
class GuestConfigWriterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJhbmdlcmJhbmdlcmJhbmdlcmJhbmdlcmJhbmdlcmJh banger";
    private static final GuestConfig CONFIG = new GuestConfig("web-1", "172.30.0.7/24", "172.30.0.1", "172.30.0.1", KEY);

    private final HostCommands hosts = new ProcessHostCommands();
    private final GuestConfigWriter writer = new GuestConfigWriter(hosts);

    @TempDir
    Path dir;

    @Test
    void tinyGuestGetsEnvHostnameResolverAndKey() throws IOException {
        Path image = imageWithTypicalRoot();
        writer.write(image, "tiny", CONFIG);
        assertEquals("BANGER_HOSTNAME=web-1\nBANGER_ADDRESS=172.30.0.7/24\nBANGER_GATEWAY=172.30.0.1\nBANGER_DNS=172.30.0.1\n",
                cat(image, "/etc/banger/guest.env"));
        assertEquals("web-1\n", cat(image, "/etc/hostname"));
        assertEquals("nameserver 172.30.0.1\n", cat(image, "/etc/resolv.conf"));
        assertEquals(KEY + "\n", cat(image, "/root/.ssh/authorized_keys"));
        assertEquals("0600 0 0", modeAndOwner(image, "/root/.ssh/authorized_keys"));
        assertEquals("0700 0 0", modeAndOwner(image, "/root/.ssh"));
        assertEquals("0644 0 0", modeAndOwner(image, "/etc/banger/guest.env"));
        assertEquals("0755 0 0", modeAndOwner(image, "/etc/banger"));
        assertEquals("0700", modeAndOwner(image, "/root").split(" ")[0], "an existing /root keeps its mode");
        assertFsClean(image);
    }

    @Test
    void writingAgainReplacesEarlierConfig() throws IOException {
        Path image = imageWithTypicalRoot();
        writer.write(image, "tiny", CONFIG);
        writer.write(image, "tiny", new GuestConfig("web-2", "172.30.0.8/24", "172.30.0.1", "172.30.0.1", KEY));
        assertTrue(cat(image, "/etc/banger/guest.env").contains("BANGER_ADDRESS=172.30.0.8/24\n"));
        assertEquals("web-2\n", cat(image, "/etc/hostname"));
        assertFsClean(image);
    }

    @Test
    void debianGuestAlsoGetsNetworkdIfupdownAndHosts() throws IOException {
        Path image = imageWithTypicalRoot();
        writer.write(image, "debian", CONFIG);
        String networkd = cat(image, "/etc/systemd/network/10-banger.network");
        assertTrue(networkd.contains("[Match]\nType=ether\n"), networkd);
        assertTrue(networkd.contains("Address=172.30.0.7/24\nGateway=172.30.0.1\nDNS=172.30.0.1\n"), networkd);
        String ifupdown = cat(image, "/etc/network/interfaces.d/banger");
        assertTrue(ifupdown.contains("iface eth0 inet static\n    address 172.30.0.7/24\n    gateway 172.30.0.1\n"), ifupdown);
        assertTrue(cat(image, "/etc/hosts").contains("172.30.0.7\tweb-1\n"));
        assertEquals("0644 0 0", modeAndOwner(image, "/etc/systemd/network/10-banger.network"));
        assertFsClean(image);
    }

    @Test
    void missingDirectoriesAreCreated() throws IOException {
        Path root = Files.createDirectories(dir.resolve("empty-root"));
        Path image = mkfs(root);
        writer.write(image, "tiny", CONFIG);
        assertEquals(KEY + "\n", cat(image, "/root/.ssh/authorized_keys"));
        assertEquals("0700 0 0", modeAndOwner(image, "/root/.ssh"));
        assertFsClean(image);
    }

    @Test
    void imageThatIsNotExt4FailsClearly() throws IOException {
        Path junk = Files.write(dir.resolve("junk.img"), new byte[4 * 1024 * 1024]);
        HostCommandException e = assertThrows(HostCommandException.class, () -> writer.write(junk, "tiny", CONFIG));
        assertTrue(e.getMessage().contains("Bad magic number"), e.getMessage());
    }

    @Test
    void unknownOsIsRejected() throws IOException {
        Path image = imageWithTypicalRoot();
        assertThrows(IllegalArgumentException.class, () -> writer.write(image, "windows", CONFIG));
    }

    @Test
    void configRejectsValuesThatWouldInjectIntoGuestFiles() {
        assertThrows(IllegalArgumentException.class,
                () -> new GuestConfig("x\nBANGER_DNS=1.1.1.1", "172.30.0.7/24", "172.30.0.1", "172.30.0.1", KEY));
        assertThrows(IllegalArgumentException.class,
                () -> new GuestConfig("web", "172.30.0.7/24", "172.30.0.1", "172.30.0.1", KEY + "\nssh-rsa AAAA evil"));
        assertThrows(IllegalArgumentException.class,
                () -> new GuestConfig("web", "172.30.0.7", "172.30.0.1", "172.30.0.1", KEY));
        assertThrows(IllegalArgumentException.class,
                () -> new GuestConfig("web", "172.30.0.7/24", "gateway", "172.30.0.1", KEY));
    }

    private Path imageWithTypicalRoot() throws IOException {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/hostname"), "old-name\n");
        Files.createSymbolicLink(root.resolve("etc/resolv.conf"), Path.of("../run/resolv.conf"));
        Files.createDirectories(root.resolve("root"));
        Files.setPosixFilePermissions(root.resolve("root"), PosixFilePermissions.fromString("rwx------"));
        return mkfs(root);
    }

    private Path mkfs(Path root) {
        Path image = dir.resolve("disk-" + System.nanoTime() + ".ext4");
        hosts.check(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-d", root.toString(), image.toString(), "16M"), TIMEOUT);
        return image;
    }

    private String cat(Path image, String path) {
        CommandResult result = hosts.check(List.of("debugfs", "-R", "cat " + path, image.toString()), TIMEOUT);
        return result.stdout();
    }

    private String modeAndOwner(Path image, String path) {
        String stat = hosts.check(List.of("debugfs", "-R", "stat " + path, image.toString()), TIMEOUT).stdout();
        Matcher mode = Pattern.compile("Mode:\\s+(\\d+)").matcher(stat);
        Matcher owner = Pattern.compile("User:\\s+(\\d+)\\s+Group:\\s+(\\d+)").matcher(stat);
        assertTrue(mode.find() && owner.find(), "no stat for " + path + ": " + stat);
        return mode.group(1) + " " + owner.group(1) + " " + owner.group(2);
    }

    private void assertFsClean(Path image) {
        CommandResult fsck = hosts.run(List.of("e2fsck", "-fn", image.toString()), TIMEOUT);
        assertEquals(0, fsck.exitCode(), fsck.stdout() + fsck.stderr());
    }
}
