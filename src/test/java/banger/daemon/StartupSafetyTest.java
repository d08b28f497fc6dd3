package banger.daemon;

import banger.wire.DaemonOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the daemon checks before it changes anything on the host: where it listens, and its state dir. */
class StartupSafetyTest {

    @TempDir
    Path dir;

    @Test
    void aNonLoopbackListenAddressIsRefusedBeforeAnythingStarts() {
        Path stateDir = dir.resolve("state");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Daemon.runUntilStopped(
                new DaemonOptions(Optional.of(stateDir), Optional.of("0.0.0.0:7999"), Optional.empty(), Optional.empty())));
        assertTrue(refused.getMessage().contains("allow-non-loopback"), refused.getMessage());
        assertFalse(Files.exists(stateDir), "nothing was created");
    }

    @Test
    void loopbackIsFineAndOtherAddressesNeedTheExplicitSetting() {
        assertEquals("", ListenPolicy.check("127.0.0.1", false));
        assertEquals("", ListenPolicy.check("localhost", false));
        assertEquals("", ListenPolicy.check("[::1]", false));
        assertThrows(IllegalArgumentException.class, () -> ListenPolicy.check("0.0.0.0", false));
        assertThrows(IllegalArgumentException.class, () -> ListenPolicy.check("192.168.250.2", false));
        assertTrue(ListenPolicy.check("0.0.0.0", true).contains("bearer token"));
    }

    @Test
    void openModesOnTheStateDirTokenAndKeyAreTightened() throws Exception {
        Path stateDir = Files.createDirectories(dir.resolve("open"));
        Files.createDirectories(stateDir.resolve("ssh"));
        Files.writeString(stateDir.resolve("api.token"), "secret\n");
        Files.writeString(stateDir.resolve("ssh/id_ed25519"), "key\n");
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(stateDir.resolve("ssh"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(stateDir.resolve("api.token"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(stateDir.resolve("ssh/id_ed25519"), PosixFilePermissions.fromString("rw-rw-r--"));

        List<String> changes = StatePermissions.secure(stateDir);

        assertEquals(4, changes.size(), changes.toString());
        assertEquals("rwx------", mode(stateDir));
        assertEquals("rwx------", mode(stateDir.resolve("ssh")));
        assertEquals("rw-------", mode(stateDir.resolve("api.token")));
        assertEquals("rw-------", mode(stateDir.resolve("ssh/id_ed25519")));
        assertEquals(List.of(), StatePermissions.secure(stateDir), "nothing left to change");
    }

    @Test
    void aTokenOwnedByAnotherUserStopsTheStart() throws Exception {
        Path stateDir = Files.createDirectories(dir.resolve("foreign"));
        Path token = Files.writeString(stateDir.resolve("api.token"), "secret\n");
        UserPrincipal nobody = token.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(token, nobody);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> StatePermissions.secure(stateDir));
        assertTrue(refused.getMessage().contains("belongs to nobody"), refused.getMessage());
    }

    @Test
    void aSymlinkInPlaceOfTheKeyStopsTheStart() throws Exception {
        Path stateDir = Files.createDirectories(dir.resolve("linked"));
        Files.createDirectories(stateDir.resolve("ssh"));
        Files.createSymbolicLink(stateDir.resolve("ssh/id_ed25519"), Files.writeString(dir.resolve("elsewhere"), "k"));
        assertThrows(IllegalStateException.class, () -> StatePermissions.secure(stateDir));
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
