package banger.cli;

import banger.daemon.Daemon;
import banger.daemon.DaemonOptions;

import java.io.InputStream;
import java.time.Clock;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the CLI takes from the process it runs in, gathered in one place so tests can replace it.
 *
 * @param env       environment variables (BANGER_URL, BANGER_STATE_DIR, BANGER_TOKEN)
 * @param stdin     standard input, sent to the guest by `vm exec --stdin`
 * @param terminal  runs an interactive program (ssh) on this terminal and returns its exit code
 * @param daemon    runs the daemon in this JVM until it is stopped
 * @param clock     for ages and elapsed times
 */
public record CliEnvironment(Map<String, String> env, InputStream stdin, InteractiveProcess terminal,
                             Consumer<DaemonOptions> daemon, Clock clock) {

    public static CliEnvironment system() {
        return new CliEnvironment(System.getenv(), System.in, InteractiveProcess.INHERIT_IO,
                Daemon::runUntilStopped, Clock.systemUTC());
    }
}
