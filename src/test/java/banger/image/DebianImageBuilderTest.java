package banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.HostCommands;
import banger.host.ProcessHostCommands;
import banger.testsupport.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The built debian image, read with debugfs (nothing mounted). */
class DebianImageBuilderTest {

    private static final HostCommands COMMANDS = new ProcessHostCommands();
    private static Image image;

    @BeforeAll
    static void build() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "needs debootstrap, network, mke2fs");
        image = TestImages.debian();
    }

    @Test
    void imageHasTheSharedKernelAndInitrdAndAnExt4RootLabelledRootfs() throws IOException {
        assertEquals("debian", image.os());
        assertNull(image.vmlinux());
        for (String path : List.of(image.kernel(), image.initrd(), image.rootfs())) {
            assertTrue(Path.of(path).isAbsolute() && Files.isRegularFile(Path.of(path)), path);
        }
        assertEquals(Files.size(Path.of(image.rootfs())), image.rootfsBytes());
        Image tiny = TestImages.tiny();
        assertEquals(Files.size(Path.of(tiny.kernel())), Files.size(Path.of(image.kernel())), "same cloud kernel as tiny");
        String header = COMMANDS.check(List.of("dumpe2fs", "-h", image.rootfs()), Duration.ofSeconds(30)).stdout();
        assertTrue(header.contains("Filesystem volume name:   rootfs"), header);
        assertTrue(COMMANDS.run(List.of("e2fsck", "-fn", image.rootfs()), Duration.ofSeconds(120)).ok(), "clean filesystem");
    }

    @Test
    void initIsSystemdAndTheToolsAreInstalled() {
        assertTrue(stat("/sbin/init").contains("Fast link dest: \"/lib/systemd/systemd\""), stat("/sbin/init"));
        for (String tool : List.of("/usr/bin/git", "/usr/bin/tmux", "/usr/sbin/sshd", "/usr/bin/dbus-daemon", "/lib/systemd/systemd-logind")) {
            assertTrue(stat(tool).contains("Type: regular"), tool + ": " + stat(tool));
        }
    }

    @Test
    void theKernelsModulesAreInstalledWithTheirIndex() throws IOException {
        String kernelPackage = Files.readAllLines(Path.of(image.rootfs()).resolveSibling(ImageDirectory.COMPLETE_MARKER)).get(0);
        String version = kernelPackage.substring("linux-image-".length());
        assertTrue(stat("/usr/lib/modules/" + version + "/modules.dep").contains("Type: regular"), version);
        assertTrue(stat("/usr/lib/modules/" + version + "/kernel/fs/overlayfs/overlay.ko").contains("Type: regular"), version);
    }

    @Test
    void ownershipModesSymlinksAndDeviceNodesSurviveMke2fs() {
        // /etc/shadow is root:shadow (gid 42) 0640 in Debian
        String shadow = stat("/etc/shadow");
        assertTrue(shadow.contains("Mode:  0640") && shadow.contains("User:     0   Group:    42"), shadow);
        // ping is setuid root or carries cap_net_raw, depending on what debootstrap found
        String ping = stat("/bin/ping");
        assertTrue(ping.contains("Mode:  04755") || ping.contains("security.capability"), ping);
        assertTrue(stat("/dev/null").contains("Type: character special"), stat("/dev/null"));
        assertTrue(stat("/etc/systemd/network/99-default.link").contains("Fast link dest: \"/dev/null\""));
        assertTrue(stat("/tmp").contains("Mode:  01777"), stat("/tmp"));
    }

    @Test
    void noHostKeysAndRootByKeyOnly() {
        String sshDir = COMMANDS.check(List.of("debugfs", "-R", "ls -l /etc/ssh", image.rootfs()), Duration.ofSeconds(30)).stdout();
        assertTrue(!sshDir.contains("ssh_host_"), sshDir);
        assertTrue(cat("/etc/ssh/sshd_config.d/banger.conf").contains("PermitRootLogin prohibit-password"));
        assertTrue(cat("/etc/shadow").startsWith("root:*:"), "root has no usable password");
        assertEquals("", cat("/etc/machine-id"));
    }

    @Test
    void aptListsAndDownloadedPackagesAreNotInTheImage() {
        String lists = COMMANDS.check(List.of("debugfs", "-R", "ls /var/lib/apt/lists", image.rootfs()), Duration.ofSeconds(30)).stdout();
        assertTrue(!lists.contains("InRelease") && !lists.contains("Packages"), lists);
        String archives = COMMANDS.check(List.of("debugfs", "-R", "ls /var/cache/apt/archives", image.rootfs()), Duration.ofSeconds(30)).stdout();
        assertTrue(!archives.contains(".deb"), archives);
    }

    @Test
    void buildingAgainReturnsTheCompleteImageUnchanged() {
        Image again = new DebianImageBuilder(COMMANDS).build("debian", Path.of(image.rootfs()).getParent());
        assertEquals(image, again);
    }

    private static String stat(String path) {
        return COMMANDS.check(List.of("debugfs", "-R", "stat " + path, image.rootfs()), Duration.ofSeconds(30)).stdout();
    }

    private static String cat(String path) {
        return COMMANDS.check(List.of("debugfs", "-R", "cat " + path, image.rootfs()), Duration.ofSeconds(30)).stdout();
    }
}
