package banger.session;

import banger.persistence.JsonSerializable;
import java.time.Instant;
import java.util.List;

/**
 * A guest session as the API shows it. {@code state}: starting, running, exited, lost. Offsets are absolute:
 * {@code outputBytes} is how many bytes the process wrote, {@code outputStart} the oldest one still retained.
 */
public record SessionView(String id, String name, String vm, List<String> argv, boolean tty, String state,
                          Integer exitCode, Instant startedAt, Instant endedAt, long outputBytes, long outputStart,
                          boolean stdinClosed, String reason) implements JsonSerializable {

    public static final String STARTING = "starting";
    public static final String RUNNING = "running";
    public static final String EXITED = "exited";
    public static final String LOST = "lost";

    public boolean live() {
        return STARTING.equals(state) || RUNNING.equals(state);
    }

    SessionView withState(String next, Integer code, Instant ended, String why) {
        return new SessionView(id, name, vm, argv, tty, next, code, startedAt, ended, outputBytes, outputStart,
                stdinClosed, why);
    }

    SessionView withOutput(long start, long end, boolean closed) {
        return new SessionView(id, name, vm, argv, tty, state, exitCode, startedAt, endedAt, end, start, closed,
                reason);
    }
}
