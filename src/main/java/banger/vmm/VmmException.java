package banger.vmm;

/** A VMM could not be launched or controlled. */
public class VmmException extends RuntimeException {
    public VmmException(String message) {
        super(message);
    }

    public VmmException(String message, Throwable cause) {
        super(message, cause);
    }
}
