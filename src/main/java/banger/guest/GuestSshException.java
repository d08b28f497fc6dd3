package banger.guest;

/** A guest could not be reached over SSH, refused the key, or a command did not finish in time. */
public class GuestSshException extends RuntimeException {
    public GuestSshException(String message) {
        super(message);
    }

    public GuestSshException(String message, Throwable cause) {
        super(message, cause);
    }
}
