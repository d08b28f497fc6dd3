package banger.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import banger.host.ProcessHostCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-VM SSH host keys against Debian's dropbear (what tiny guests run): the key banger makes is one dropbear
 * loads, GuestSsh accepts exactly the pinned key for an address, and a server with any other key is refused
 * at once with an error that says so.
 */
class GuestHostKeysTest {

    private static final String HOST = "127.0.0.1";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @Test
    void aVmsKeyIsMadeOncePrivateAndInAFormDropbearReads() throws Exception {
        GuestHostKeys keys = new GuestHostKeys(dir.resolve("vms"));
        Path vm = dir.resolve("vms").resolve("vm1");
        GuestHostKeys.HostKey key = keys.loadOrCreate(vm);
        assertEquals(key.publicKeyLine(), keys.loadOrCreate(vm).publicKeyLine(), "loaded, not made again");
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(vm.resolve(GuestHostKeys.KEY_FILE))));
        Path dropbearFile = dir.resolve("dropbear_key");
        Files.write(dropbearFile, key.dropbearPrivate());
        String derived = new ProcessHostCommands().check(List.of("dropbearkey", "-y", "-f", dropbearFile.toString()),
                TIMEOUT).stdout();
        String publicKey = PublicKeyEntry.toString(key.pair().getPublic());
        assertTrue(derived.contains(publicKey), "dropbear derives the same public key: " + derived);
    }

    @Test
    void onlyThePinnedKeyIsAcceptedAndAChangedOneFailsWithAClearError() throws Exception {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        SshKeys identity = SshKeys.loadOrCreate(dir.resolve("state"));
        GuestHostKeys keys = new GuestHostKeys(dir.resolve("state").resolve("vms"));
        Path vmDir = dir.resolve("state").resolve("vms").resolve("vm1");
        GuestHostKeys.HostKey key = keys.loadOrCreate(vmDir);
        try (GuestSsh ssh = new GuestSsh(identity.keyPair(), keys)) {
            try (DropbearServer genuine = new DropbearServer(dir.resolve("genuine"), identity.publicKeyLine(),
                    key.dropbearPrivate())) {
                GuestSshException unpinned = assertThrows(GuestSshException.class,
                        () -> ssh.awaitReady(HOST, genuine.port, TIMEOUT));
                assertInstanceOf(HostKeyMismatchException.class, unpinned, unpinned.getMessage());
                assertTrue(unpinned.getMessage().contains("no SSH host key is pinned for 127.0.0.1"), unpinned.getMessage());

                keys.pin(vmDir, HOST, key);
                ssh.awaitReady(HOST, genuine.port, TIMEOUT);
                assertEquals("ok\n", ssh.exec(HOST, genuine.port, List.of("echo", "ok"), null, TIMEOUT).stdoutText());
            }
            try (DropbearServer impostor = new DropbearServer(dir.resolve("impostor"), identity.publicKeyLine())) {
                long started = System.nanoTime();
                GuestSshException changed = assertThrows(GuestSshException.class,
                        () -> ssh.awaitReady(HOST, impostor.port, TIMEOUT));
                assertInstanceOf(HostKeyMismatchException.class, changed, changed.getMessage() + "\n" + impostor.log());
                assertTrue(changed.getMessage().contains("SSH host key of 127.0.0.1 changed"), changed.getMessage());
                assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(10)) < 0,
                        "refused at once, not retried until the deadline");
                assertThrows(HostKeyMismatchException.class,
                        () -> ssh.exec(HOST, impostor.port, List.of("echo", "stolen"), null, TIMEOUT));
            }
        }
        GuestHostKeys afterRestart = new GuestHostKeys(dir.resolve("state").resolve("vms"));
        assertEquals(key.pair().getPublic(), afterRestart.expected(HOST).orElseThrow(),
                "a restarted daemon reads the pin back from the VM's directory");
    }
}
