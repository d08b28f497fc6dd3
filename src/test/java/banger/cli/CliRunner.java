package banger.cli;

import banger.wire.DaemonOptions;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** Runs `banger ...` in-process against a fake daemon, capturing stdout, stderr and the exit code. */
final class CliRunner {

    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    static final String FILE_TOKEN = "file-token";

    record Result(int exit, String out, String err) {
    }

    final Map<String, String> env = new HashMap<>();
    final List<List<String>> terminalRuns = new ArrayList<>();
    final List<DaemonOptions> daemonRuns = new ArrayList<>();
    final Path stateDir;
    int terminalExitCode;
    /** What happens while the interactive program "runs" (it returns at once unless this waits). */
    Runnable duringTerminal = () -> { };
    /** What the fake daemon start throws, if anything. */
    RuntimeException daemonFailure;
    InputStream stdin = new ByteArrayInputStream(new byte[0]);

    /** Points the CLI at {@code url} with a token file in a fresh state dir. */
    CliRunner(URI url, Path tempDir) throws IOException {
        stateDir = tempDir.resolve("state");
        Files.createDirectories(stateDir);
        Files.writeString(stateDir.resolve("api.token"), FILE_TOKEN + "\n");
        env.put("BANGER_URL", url.toString());
        env.put("BANGER_STATE_DIR", stateDir.toString());
    }

    Result run(String... args) {
        CliEnvironment environment = new CliEnvironment(Map.copyOf(env), stdin,
                argv -> {
                    terminalRuns.add(argv);
                    duringTerminal.run();
                    return terminalExitCode;
                },
                options -> {
                    daemonRuns.add(options);
                    if (daemonFailure != null) {
                        throw daemonFailure;
                    }
                }, Clock.fixed(NOW, ZoneOffset.UTC));
        CommandLine commandLine = BangerCli.commandLine(environment);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exit = commandLine.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
