package banger.cli;

import banger.wire.DaemonOptions;

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

    /** This process's environment; {@code daemon} is handed in by the launcher, the CLI knows no server code. */
    public static CliEnvironment system(Consumer<DaemonOptions> daemon) {
        return new CliEnvironment(System.getenv(), System.in, InteractiveProcess.INHERIT_IO, daemon,
                Clock.systemUTC());
    }
}
