package banger.exec;

/**
 * Outcome of a guest command: its output and exit code. {@code truncated}: the output passed the daemon's cap
 * ({@code banger.exec.max-output-bytes}), only its start is here and the command was ended there.
 */
public record ExecOutput(String stdout, String stderr, int exitCode, boolean truncated) {

    public ExecOutput(String stdout, String stderr, int exitCode) {
        this(stdout, stderr, exitCode, false);
    }
}
