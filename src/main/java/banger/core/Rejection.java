package banger.core;

import banger.persistence.JsonSerializable;
import java.util.Map;

/**
 * Why the daemon refused a request, as plain data: a reason, a message for people and details for programs.
 * Domain actors reply with it (inside {@link Rejected}); only the API layer maps a reason to an HTTP status.
 */
public record Rejection(Reason reason, String message, Map<String, Object> details) implements JsonSerializable {

    public enum Reason {
        /** The request itself is malformed or out of range. */
        INVALID_REQUEST,
        NOT_FOUND,
        /** The request is fine but the target's current state does not allow it. */
        CONFLICT,
        UNKNOWN_IMAGE,
        /** A budget or cap is full right now; retrying later may succeed. */
        TOO_MANY_REQUESTS,
        PAYLOAD_TOO_LARGE,
        /** A component needed for the request is not available (stopped, shutting down, not configured). */
        UNAVAILABLE,
        /** The request was fine but the host could not carry it out (VMM failed to boot, disk error). */
        OPERATION_FAILED;

        /** The stable code clients see for this reason (in JSON errors and failed operations). */
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Rejection {
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    public static Rejection of(Reason reason, String message) {
        return new Rejection(reason, message, Map.of());
    }

    public Rejected exception() {
        return new Rejected(this);
    }
}
