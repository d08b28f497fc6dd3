package banger.wire;

/** Why an operation failed: the rejection's code (e.g. {@code conflict}) and a message for people. */
public record OperationError(String code, String message) {
}
