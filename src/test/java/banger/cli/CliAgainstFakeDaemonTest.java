package banger.cli;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Base of the CLI tests: each test gets a fresh {@link FakeDaemon} and a {@link CliRunner} pointed at it. */
abstract class CliAgainstFakeDaemonTest {

    @TempDir
    Path tempDir;

    FakeDaemon daemon;
    CliRunner cli;

    @BeforeEach
    void startFakeDaemon() throws Exception {
        daemon = FakeDaemon.start();
        cli = new CliRunner(daemon.url(), tempDir);
    }

    @AfterEach
    void stopFakeDaemon() {
        daemon.close();
    }
}
