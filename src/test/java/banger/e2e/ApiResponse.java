package banger.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/** One answer of the daemon's HTTP API: the status, the raw body and, when the body is JSON, its tree. */
record ApiResponse(int status, String contentType, String text, JsonNode body) {

    /** The body's JSON tree, or a MissingNode when the body was not JSON. */
    JsonNode json() {
        return body == null ? MissingNode.getInstance() : body;
    }

    /** The `code` of an error body {"error":{"code","message"}}, or null. */
    String errorCode() {
        JsonNode code = json().path("error").path("code");
        return code.isTextual() ? code.asText() : null;
    }

    String errorMessage() {
        JsonNode message = json().path("error").path("message");
        return message.isTextual() ? message.asText() : null;
    }

    @Override
    public String toString() {
        return status + " " + text;
    }
}
