package banger.guest;

/** Reading a streaming command's input failed before its end: the command never saw a clean EOF. */
public class GuestInputException extends GuestSshException {
    public GuestInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
