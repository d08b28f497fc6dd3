package banger.session;

import banger.guest.ExecResult;
import banger.guest.GuestCommand;
import banger.guest.GuestSsh;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The guest's side of sessions, over SSH: every call runs the supervisor script (supervisor.sh, installed into
 * the guest on first use) with arguments the daemon chose, each quoted by GuestSsh. Calls block: run them on
 * the sessions executor.
 */
public final class GuestSessions {

    /** Where sessions live in the guest: on its disk, so a session outlives the daemon and is found again. */
    static final String ROOT = "/var/lib/banger-sessions";
    private static final int PORT = 22;

    private final GuestSsh ssh;
    private final Duration timeout;
    private final byte[] script;
    private final String scriptPath;

    public GuestSessions(GuestSsh ssh, Duration timeout) {
        this.ssh = ssh;
        this.timeout = timeout;
        try (InputStream in = GuestSessions.class.getResourceAsStream("/banger/session/supervisor.sh")) {
            if (in == null) {
                throw new IllegalStateException("supervisor.sh is missing from the classpath");
            }
            this.script = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // the script's name carries its content hash: a new daemon never changes the script under a running session
        this.scriptPath = ROOT + "/.supervisor-" + hash(script) + ".sh";
    }

    /** Copies the supervisor into the guest unless it is there already. */
    void install(String host) {
        check("install the session supervisor", ssh.exec(host, PORT, List.of("sh", "-c",
                "test -f \"$1\" || { mkdir -p \"$2\" && cat > \"$1.tmp\" && mv -f \"$1.tmp\" \"$1\"; }",
                "install", scriptPath, ROOT), script, timeout));
    }

    /** Starts a session; returns once its process runs. */
    void start(String host, String id, byte[] meta, long cap, String cwd, boolean tty, Map<String, String> env,
               List<String> argv) {
        List<String> command = new ArrayList<>(List.of("sh", scriptPath, "start", dir(id), Long.toString(cap),
                cwd == null ? "" : cwd, tty ? "1" : "0"));
        env.forEach((k, v) -> command.add(k + "=" + v));
        command.add("--");
        command.addAll(argv);
        check("start session " + id, ssh.exec(host, PORT, command, meta, timeout));
    }

    List<GuestSessionRecord> list(String host) {
        ExecResult r = ssh.exec(host, PORT, List.of("sh", "-c",
                "test -f \"$1\" || exit 0; exec sh \"$1\" list \"$2\"", "list", scriptPath, ROOT), null, timeout);
        check("list sessions", r);
        List<GuestSessionRecord> records = new ArrayList<>();
        for (String line : r.stdoutText().split("\n")) {
            if (!line.isBlank()) {
                records.add(GuestSessionRecord.parse(line));
            }
        }
        return records;
    }

    /** Appends bytes to the session's stdin, in one write; {@code eof} closes it afterwards. */
    InputResult input(String host, String id, byte[] bytes, boolean eof) {
        ExecResult r = ssh.exec(host, PORT, List.of("sh", scriptPath, "input", dir(id), eof ? "1" : "0"), bytes,
                timeout);
        return InputResult.of(r.exitCode(), r.stderrText());
    }

    /** A stdin that stays open, for an attached client: what it writes reaches the process in order. */
    GuestCommand openInput(String host, String id) {
        return ssh.start(host, PORT, List.of("sh", scriptPath, "input", dir(id), "0"), timeout);
    }

    /** The session's output from {@code offset}: its stdout begins with the line "OFFSET PID". */
    GuestCommand openOutput(String host, String id, long offset, boolean follow) {
        return ssh.start(host, PORT, List.of("sh", scriptPath, "read", dir(id), Long.toString(offset),
                follow ? "1" : "0"), timeout);
    }

    /** Ends a guest-side reader that a client no longer reads. */
    void stopReader(String host, long pid) {
        ssh.exec(host, PORT, List.of("kill", Long.toString(pid)), null, timeout);
    }

    InputResult signal(String host, String id, String signal) {
        ExecResult r = ssh.exec(host, PORT, List.of("sh", scriptPath, "signal", dir(id), signal), null, timeout);
        return InputResult.of(r.exitCode(), r.stderrText());
    }

    void resize(String host, String id, int cols, int rows) {
        ssh.exec(host, PORT, List.of("sh", scriptPath, "resize", dir(id), Integer.toString(cols),
                Integer.toString(rows)), null, timeout);
    }

    void remove(String host, String id) {
        check("remove session " + id, ssh.exec(host, PORT, List.of("sh", "-c",
                "test -f \"$1\" || exit 0; exec sh \"$1\" remove \"$2\"", "remove", scriptPath, dir(id)), null,
                timeout));
    }

    /** How a write to stdin or a signal went: the supervisor's exit codes say why it could not. */
    enum InputResult {
        DONE, EXITED, STDIN_CLOSED, FAILED;

        static InputResult of(int exit, String stderr) {
            return switch (exit) {
                case 0 -> DONE;
                case 13 -> EXITED;
                case 14 -> STDIN_CLOSED;
                default -> FAILED;
            };
        }
    }

    private static String dir(String id) {
        if (!SessionIds.valid(id)) {
            throw new IllegalArgumentException("not a session id: " + id);
        }
        return ROOT + "/" + id;
    }

    private static void check(String what, ExecResult r) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException("could not " + what + " in the guest (exit " + r.exitCode() + "): "
                    + r.stderrText().strip());
        }
    }

    private static String hash(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
