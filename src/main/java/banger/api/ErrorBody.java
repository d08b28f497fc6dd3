package banger.api;

import java.util.Map;

/** The one error shape: {"error": {"code", "message", "details"}}. */
record ErrorBody(Error error) {

    record Error(String code, String message, Map<String, Object> details) {
    }

    static ErrorBody of(String code, String message, Map<String, Object> details) {
        return new ErrorBody(new Error(code, message, details));
    }
}
