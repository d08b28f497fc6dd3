package banger.guest;

import java.nio.charset.StandardCharsets;

/**
 * What a command run in a guest did.
 *
 * @param exitCode the command's exit status; 128 + the signal's number when a signal killed it (as a shell
 *                 reports it); -1 when it ended with neither a status nor a known signal
 * @param truncated true when the output passed the cap and the command was ended there
 */
public record ExecResult(byte[] stdout, byte[] stderr, int exitCode, boolean truncated) {

    public ExecResult(byte[] stdout, byte[] stderr, int exitCode) {
        this(stdout, stderr, exitCode, false);
    }

    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    public boolean ok() {
        return exitCode == 0;
    }
}
