package banger.e2e;

import banger.cli.BangerCli;
import banger.cli.CliEnvironment;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;

/** Runs `banger ...` in this JVM against an e2e daemon, capturing its exit code, stdout and stderr. */
final class BangerCliRun {

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private BangerCliRun() {
    }

    static Result run(DaemonHarness daemon, String... args) {
        CliEnvironment environment = new CliEnvironment(
                Map.of("BANGER_URL", daemon.baseUri().toString(), "BANGER_TOKEN", daemon.token()),
                new ByteArrayInputStream(new byte[0]), argv -> {
                    throw new IllegalStateException("no terminal in e2e tests");
                }, options -> {
                    throw new IllegalStateException("no daemon in this JVM");
                }, Clock.systemUTC());
        CommandLine commandLine = BangerCli.commandLine(environment);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exit = commandLine.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
