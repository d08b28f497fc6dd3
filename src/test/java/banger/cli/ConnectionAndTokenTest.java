package banger.cli;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionAndTokenTest extends CliAgainstFakeDaemonTest {

    private static final String NO_VMS = "{\"vms\":[]}";

    @Test
    void tokenComesFromTheStateDirFile() {
        daemon.answer("GET", "/v1/vms", 200, NO_VMS);

        assertEquals(0, cli.run("vm", "ls").exit());

        assertEquals("Bearer file-token", daemon.onlyRequest().header("Authorization"));
    }

    @Test
    void tokenFromTheEnvironmentWinsOverTheFile() {
        daemon.answer("GET", "/v1/vms", 200, NO_VMS);
        cli.env.put("BANGER_TOKEN", "env-token");

        assertEquals(0, cli.run("vm", "ls").exit());

        assertEquals("Bearer env-token", daemon.onlyRequest().header("Authorization"));
    }

    @Test
    void stateDirOptionChoosesTheTokenFile() throws Exception {
        daemon.answer("GET", "/v1/vms", 200, NO_VMS);
        Path other = Files.createDirectories(tempDir.resolve("other"));
        Files.writeString(other.resolve("api.token"), "other-token");

        assertEquals(0, cli.run("--state-dir", other.toString(), "vm", "ls").exit());
        assertEquals(0, cli.run("vm", "ls", "--state-dir", other.toString()).exit());

        assertEquals("Bearer other-token", daemon.requests().get(0).header("Authorization"));
        assertEquals("Bearer other-token", daemon.requests().get(1).header("Authorization"));
    }

    @Test
    void withoutAnyTokenTheRequestGoesUnauthenticatedAndTheErrorSaysWhy() throws Exception {
        daemon.answer("GET", "/v1/vms", 401, ApiSamples.error("unauthorized", "missing bearer token"));
        Files.delete(cli.stateDir.resolve("api.token"));

        var result = cli.run("vm", "ls");

        assertEquals(1, result.exit());
        assertNull(daemon.onlyRequest().header("Authorization"));
        assertEquals("banger: unauthorized: missing bearer token (token from nowhere: $BANGER_TOKEN is unset and "
                + cli.stateDir.resolve("api.token") + " is not readable)\n", result.err());
    }

    @Test
    void urlOptionWinsOverTheEnvironment() throws Exception {
        daemon.answer("GET", "/v1/vms", 200, NO_VMS);
        cli.env.put("BANGER_URL", "http://127.0.0.1:1");

        var result = cli.run("vm", "ls", "--url", daemon.url().toString());

        assertEquals(0, result.exit(), result.err());
        assertEquals(1, daemon.requests().size());
    }

    @Test
    void apiErrorExitsOneWithTheApiMessageOnStderr() {
        daemon.answer("GET", "/v1/vms/web", 404, ApiSamples.error("not_found", "no VM named web"));

        var result = cli.run("vm", "show", "web");

        assertEquals(1, result.exit());
        assertEquals("", result.out());
        assertEquals("banger: not_found: no VM named web\n", result.err());
    }

    @Test
    void anErrorThatIsNotApiJsonStillGivesItsStatusAndText() {
        daemon.answer("GET", "/v1/vms/web", 502, "text/plain", "Bad Gateway");

        var result = cli.run("vm", "show", "web");

        assertEquals(1, result.exit());
        assertEquals("banger: http_502: Bad Gateway\n", result.err());
    }

    @Test
    void unreachableDaemonGivesOneClearLineSayingHowToStartIt() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        cli.env.put("BANGER_URL", closed.toString());

        var result = cli.run("vm", "ls");

        assertEquals(1, result.exit());
        assertEquals(1, result.err().lines().count(), result.err());
        assertTrue(result.err().startsWith("banger: cannot reach the banger daemon at " + closed), result.err());
        assertTrue(result.err().contains("start it with `sudo banger daemon`"), result.err());
    }

    @Test
    void unknownOptionIsAUsageError() {
        var result = cli.run("vm", "ls", "--bogus");

        assertEquals(2, result.exit());
        assertTrue(result.err().contains("Unknown option: '--bogus'"), result.err());
        assertTrue(daemon.requests().isEmpty());
    }

    @Test
    void missingSubcommandIsAUsageError() {
        var result = cli.run("vm");

        assertEquals(2, result.exit());
        assertTrue(result.err().contains("Usage: banger vm"), result.err());
    }
}
