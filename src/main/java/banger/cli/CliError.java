package banger.cli;

/** A failure to show the user as one line on stderr ("banger: " + message), exiting with status 1. */
public class CliError extends RuntimeException {

    public CliError(String message) {
        super(message, null, false, false);
    }

    public CliError(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
