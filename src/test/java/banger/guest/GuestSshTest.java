package banger.guest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** GuestSsh against a real dropbear, the SSH server guests run. */
class GuestSshTest {

    private static final String HOST = "127.0.0.1";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @TempDir
    static Path dir;
    private static DropbearServer dropbear;
    private static GuestSsh ssh;

    @BeforeAll
    static void startDropbear() throws IOException {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        SshKeys keys = SshKeys.loadOrCreate(dir.resolve("state"));
        dropbear = new DropbearServer(dir.resolve("dropbear"), keys.publicKeyLine());
        ssh = new GuestSsh(keys.keyPair(), HostKeyPins.ACCEPT_ANY);
        try {
            ssh.awaitReady(HOST, dropbear.port, TIMEOUT);
        } catch (GuestSshException e) {
            throw new AssertionError("dropbear never accepted the key; its log:\n" + dropbear.log(), e);
        }
    }

    @AfterAll
    static void stopDropbear() {
        if (ssh != null) {
            ssh.close();
        }
        if (dropbear != null) {
            dropbear.close();
        }
    }

    @Test
    void hostileArgumentsReachTheCommandUnchanged() {
        List<String> args = List.of("it's", "$(id)", "`id`", "a;b", "line\nbreak", "", "ünï ✓", "*");
        List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
        argv.addAll(args);
        ExecResult result = ssh.exec(HOST, dropbear.port, argv, null, TIMEOUT);
        assertEquals(0, result.exitCode(), result.stderrText());
        assertEquals(String.join("\0", args) + "\0", result.stdoutText());
    }

    @Test
    void stdinIsDeliveredAndClosed() {
        byte[] input = "first line\nsecond\u0000binary\n".getBytes(StandardCharsets.UTF_8);
        ExecResult result = ssh.exec(HOST, dropbear.port, List.of("cat"), input, TIMEOUT);
        assertArrayEquals(input, result.stdout());
    }

    @Test
    void exitCodeAndStderrAreReported() {
        ExecResult result = ssh.exec(HOST, dropbear.port, List.of("sh", "-c", "echo oops >&2; exit 3"), null, TIMEOUT);
        assertEquals(3, result.exitCode());
        assertEquals("oops\n", result.stderrText());
    }

    @Test
    void aCommandKilledBySegvReports139AndSaysSoOnStderr() {
        ExecResult result = ssh.exec(HOST, dropbear.port, List.of("sh", "-c", "kill -SEGV $$"), null, TIMEOUT);
        assertEquals(128 + 11, result.exitCode(), result.stderrText());
        assertEquals("killed by signal SEGV\n", result.stderrText());
    }

    @Test
    void aCommandKilledBySigkillReports137() {
        ExecResult result = ssh.exec(HOST, dropbear.port, List.of("sh", "-c", "kill -9 $$"), null, TIMEOUT);
        assertEquals(128 + 9, result.exitCode(), result.stderrText());
        assertEquals("killed by signal KILL\n", result.stderrText());
    }

    @Test
    void aKilledCommandsOwnStderrIsKeptAsIs() {
        ExecResult result = ssh.exec(HOST, dropbear.port, List.of("sh", "-c", "echo dying >&2; kill -TERM $$"),
                null, TIMEOUT);
        assertEquals(128 + 15, result.exitCode());
        assertEquals("dying\n", result.stderrText());
    }

    @Test
    void anUnknownSignalIsNamedButHasNoNumber() {
        ExecResult result = GuestSsh.result(new byte[0], new byte[0], null, "XCPU@example.org");
        assertEquals(-1, result.exitCode());
        assertEquals("killed by signal XCPU@example.org\n", result.stderrText());
    }

    @Test
    void anExitStatusIsReportedAsIsAndNeitherStatusNorSignalAsMinusOne() {
        assertEquals(0, GuestSsh.result(new byte[0], new byte[0], 0, null).exitCode());
        assertEquals(-1, GuestSsh.result(new byte[0], new byte[0], null, null).exitCode());
    }

    @Test
    void commandOverTimeoutFails() {
        GuestSshException e = assertThrows(GuestSshException.class,
                () -> ssh.exec(HOST, dropbear.port, List.of("sleep", "20"), null, Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
    }

    @Test
    void unknownKeyIsRefused() throws IOException {
        SshKeys stranger = SshKeys.loadOrCreate(dir.resolve("stranger"));
        try (GuestSsh other = new GuestSsh(stranger.keyPair(), HostKeyPins.ACCEPT_ANY)) {
            assertThrows(GuestSshException.class,
                    () -> other.exec(HOST, dropbear.port, List.of("true"), null, Duration.ofSeconds(5)));
        }
    }

    @Test
    void awaitReadyStopsBeforeTheDeadlineOnceTheGuestIsNoLongerStarting() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        long start = System.nanoTime();
        long stopAfter = start + Duration.ofMillis(500).toNanos();
        GuestSshException e = assertThrows(GuestSshException.class, () -> ssh.awaitReady(HOST, closedPort,
                Duration.ofSeconds(30), () -> System.nanoTime() < stopAfter));
        assertTrue(e.getMessage().contains("no longer starting"), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(3)) < 0);
    }

    @Test
    void awaitReadyGivesUpAtDeadlineWhenNothingListens() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        long start = System.nanoTime();
        assertThrows(GuestSshException.class, () -> ssh.awaitReady(HOST, closedPort, Duration.ofSeconds(1)));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(3)) < 0);
    }

    @Test
    void startedCommandStreamsStdinAndStdoutBothWaysAndReportsItsExit() throws IOException {
        try (GuestCommand cat = ssh.start(HOST, dropbear.port, List.of("sh", "-c", "cat; exit 3"), TIMEOUT)) {
            cat.stdin().write("ping\n".getBytes(StandardCharsets.UTF_8));
            cat.stdin().flush();
            byte[] echoed = cat.stdout().readNBytes(5);
            assertEquals("ping\n", new String(echoed, StandardCharsets.UTF_8));
            cat.stdin().write("pong".getBytes(StandardCharsets.UTF_8));
            cat.stdin().close();
            assertEquals("pong", new String(cat.stdout().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(3, cat.awaitExit(TIMEOUT));
        }
    }
}
