package banger.operation;

import banger.persistence.JsonSerializable;
import banger.vm.RequestRejected;
import java.util.Arrays;

/** Why an operation failed, as the API's error code and message. */
public record OperationError(String code, String message) implements JsonSerializable {

    static OperationError of(Throwable failure) {
        Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (t instanceof RequestRejected r) {
            return new OperationError(r.reason().code, r.getMessage());
        }
        String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        return new OperationError(RequestRejected.Reason.OPERATION_FAILED.code, message);
    }

    /** The refusal this error stands for, with the status its code maps to. */
    public RequestRejected asRejection() {
        RequestRejected.Reason reason = Arrays.stream(RequestRejected.Reason.values())
                .filter(r -> r.code.equals(code)).findFirst().orElse(RequestRejected.Reason.OPERATION_FAILED);
        return new RequestRejected(reason, message);
    }
}
