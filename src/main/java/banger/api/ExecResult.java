package banger.api;

/** Outcome of a guest command: its output and exit code. */
public record ExecResult(String stdout, String stderr, int exitCode) {
}
