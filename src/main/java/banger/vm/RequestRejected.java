package banger.vm;

/**
 * A request the daemon refuses, with the reason that decides the HTTP status. Thrown (or failed with) by
 * the fleet, VMs and image registry; the API maps it to a JSON error.
 */
public class RequestRejected extends RuntimeException {

    public enum Reason {
        INVALID(400, "invalid_request"),
        NOT_FOUND(404, "not_found"),
        CONFLICT(409, "conflict"),
        UNKNOWN_IMAGE(422, "unknown_image"),
        UNAVAILABLE(503, "unavailable"),
        /** The request was fine but the host could not carry it out (VMM failed to boot, disk error). */
        OPERATION_FAILED(500, "operation_failed");

        public final int status;
        public final String code;

        Reason(int status, String code) {
            this.status = status;
            this.code = code;
        }
    }

    private final Reason reason;

    public RequestRejected(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
