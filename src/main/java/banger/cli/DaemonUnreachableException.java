package banger.cli;

import java.net.URI;

/** Nothing answers at the daemon's address: tells the user how to start one. */
public final class DaemonUnreachableException extends CliError {

    public DaemonUnreachableException(URI base, Throwable cause) {
        super("cannot reach the banger daemon at " + base + " (" + reason(cause) + "); start it with "
                + "`sudo banger daemon`, or point --url / BANGER_URL at a running one", cause);
    }

    private static String reason(Throwable cause) {
        String message = cause.getMessage();
        return message == null || message.isBlank() ? "connection refused" : message;
    }
}
