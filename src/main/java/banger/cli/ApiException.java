package banger.cli;

/** An error answer of the daemon's API: {"error":{"code","message"}} with its HTTP status. */
public final class ApiException extends CliError {

    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(code + ": " + message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
