package banger.api;

import banger.core.Rejection;
import java.util.Map;

/**
 * A refusal the API itself detects (bad body, bad query parameter, ...), rendered as the JSON error shape. It
 * carries a domain reason, so its code is one of {@link ApiErrorCode#all()}.
 */
final class ApiProblem extends RuntimeException {

    final Rejection.Reason reason;
    final Map<String, Object> details;

    ApiProblem(Rejection.Reason reason, String message, Map<String, Object> details) {
        super(message, null, false, false);
        this.reason = reason;
        this.details = details;
    }

    static ApiProblem invalid(String message) {
        return new ApiProblem(Rejection.Reason.INVALID_REQUEST, message, Map.of());
    }

    static ApiProblem tooLarge(long limitBytes) {
        return new ApiProblem(Rejection.Reason.PAYLOAD_TOO_LARGE, "request body larger than " + limitBytes + " bytes",
                Map.of("limit_bytes", limitBytes));
    }

    static ApiProblem invalidField(String field, String message) {
        return new ApiProblem(Rejection.Reason.INVALID_REQUEST, field + ": " + message, Map.of("field", field));
    }
}
