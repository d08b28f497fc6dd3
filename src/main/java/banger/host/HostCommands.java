package banger.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The one place external programs are run. Always argv, never a shell string; always a timeout.
 * Calls block: use them only from the blocking dispatcher or plain threads, never on an actor thread.
 */
public interface HostCommands {

    /** Runs argv to completion (or kills it at the timeout and throws). A non-zero exit is returned, not thrown. */
    CommandResult run(List<String> argv, Duration timeout, byte[] stdin);

    default CommandResult run(List<String> argv, Duration timeout) {
        return run(argv, timeout, null);
    }

    /** Runs argv and throws unless it exits 0. */
    default CommandResult check(List<String> argv, Duration timeout) {
        return run(argv, timeout, null).orThrow();
    }

    /**
     * Starts argv in a new session (setsid) so it outlives this JVM, with stdout and stderr appended to
     * {@code output}, and returns its PID without waiting.
     */
    long startDetached(List<String> argv, Path output);

    /** True if the executable is found on PATH (or is an existing absolute path). */
    boolean available(String program);
}
