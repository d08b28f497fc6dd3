package banger.host;

/** An external program could not be run, timed out, or failed. */
public class HostCommandException extends RuntimeException {
    public HostCommandException(String message) {
        super(message);
    }

    public HostCommandException(String message, Throwable cause) {
        super(message, cause);
    }
}
