package banger.cli;

import banger.wire.DaemonOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DaemonCommandTest {

    @TempDir
    Path tempDir;

    private CliRunner cli() throws Exception {
        CliRunner cli = new CliRunner(URI.create("http://127.0.0.1:1"), tempDir);
        cli.env.remove("BANGER_STATE_DIR");
        return cli;
    }

    @Test
    void passesEveryOptionGivenToTheDaemon() throws Exception {
        CliRunner cli = cli();

        var result = cli.run("daemon", "--state-dir", "/srv/banger", "--listen", "0.0.0.0:8080", "--vmm", "qemu",
                "--config", "/etc/banger.conf");

        assertEquals(0, result.exit(), result.err());
        assertEquals(List.of(new DaemonOptions(Optional.of(Path.of("/srv/banger")), Optional.of("0.0.0.0:8080"),
                Optional.of("qemu"), Optional.of(Path.of("/etc/banger.conf")))), cli.daemonRuns);
    }

    @Test
    void leavesWhatIsNotGivenToTheConfigButHonoursTheStateDirEnvironment() throws Exception {
        CliRunner cli = cli();
        var bare = cli.run("daemon");
        cli.env.put("BANGER_STATE_DIR", "/tmp/b");
        var fromEnv = cli.run("daemon");

        assertEquals(0, bare.exit(), bare.err());
        assertEquals(0, fromEnv.exit(), fromEnv.err());
        assertEquals(List.of(
                new DaemonOptions(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()),
                new DaemonOptions(Optional.of(Path.of("/tmp/b")), Optional.empty(), Optional.empty(), Optional.empty())),
                cli.daemonRuns);
    }

    @Test
    void rejectsAnUnknownVmmAndAMalformedListenAddress() throws Exception {
        CliRunner cli = cli();

        var badVmm = cli.run("daemon", "--vmm", "xen");
        var badListen = cli.run("daemon", "--listen", "7070");

        assertEquals(2, badVmm.exit());
        assertTrue(badVmm.err().contains("--vmm"), badVmm.err());
        assertEquals(2, badListen.exit());
        assertTrue(badListen.err().contains("--listen wants HOST:PORT"), badListen.err());
        assertTrue(cli.daemonRuns.isEmpty());
    }

    @Test
    void aDaemonThatCannotStartExitsNonZeroWithItsReason() throws Exception {
        CliRunner cli = cli();
        cli.daemonFailure = new IllegalArgumentException("subnet prefix must be 1..30, got /33");

        var result = cli.run("daemon");

        assertEquals(1, result.exit());
        assertTrue(result.err().contains("the daemon could not start: subnet prefix must be 1..30"), result.err());
        assertTrue(cli.run("daemon", "--listen", "127.0.0.1:99999").err().contains("--listen wants HOST:PORT"));
    }
}
