package banger.guest;

/** The guest presented an SSH host key other than the one banger pinned for its address: never retried. */
public final class HostKeyMismatchException extends GuestSshException {

    public HostKeyMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
