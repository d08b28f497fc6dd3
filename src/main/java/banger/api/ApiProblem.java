package banger.api;

import java.util.Map;

/** A failure the API itself detects (bad body, missing token, ...), rendered as the JSON error shape. */
final class ApiProblem extends RuntimeException {

    final int status;
    final String code;
    final Map<String, Object> details;

    ApiProblem(int status, String code, String message, Map<String, Object> details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details;
    }

    static ApiProblem invalid(String message) {
        return new ApiProblem(400, "invalid_request", message, Map.of());
    }

    static ApiProblem tooLarge(long limitBytes) {
        return new ApiProblem(413, "payload_too_large", "request body larger than " + limitBytes + " bytes",
                Map.of("limit_bytes", limitBytes));
    }

    static ApiProblem invalidField(String field, String message) {
        return new ApiProblem(400, "invalid_request", field + ": " + message, Map.of("field", field));
    }
}
