package banger.workspace;

import banger.guest.ExecResult;
import banger.guest.GuestOutput;
import banger.guest.GuestSsh;
import banger.guest.SshAbort;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/** Runs {@link GuestScripts} in a guest over SSH ({@code sh -c SCRIPT sh ARGS...}), with the configured limits. */
final class GuestShell {

    private static final int SSH_PORT = 22;

    private final GuestSsh ssh;
    private final WorkspaceSettings settings;

    GuestShell(GuestSsh ssh, WorkspaceSettings settings) {
        this.ssh = ssh;
        this.settings = settings;
    }

    /** A short command: its output in memory, bounded by the command timeout. */
    ExecResult run(GuestTarget target, String script, String... args) {
        return ssh.exec(target.address(), SSH_PORT, argv(script, args), null, settings.commandTimeout());
    }

    /** A transfer: stdin and stdout streamed, bounded by the transfer timeout. */
    ExecResult stream(GuestTarget target, InputStream stdin, OutputStream stdout, SshAbort abort, String script,
                      String... args) {
        return ssh.execStreaming(target.address(), SSH_PORT, argv(script, args), stdin, stdout,
                settings.transferTimeout(), abort);
    }

    /** A download: the command's stdout to read at the reader's pace. */
    GuestOutput output(GuestTarget target, SshAbort abort, String script, String... args) {
        return ssh.openOutput(target.address(), SSH_PORT, argv(script, args), settings.commandTimeout(), abort);
    }

    private static List<String> argv(String script, String... args) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        argv.addAll(List.of(args));
        return argv;
    }
}
