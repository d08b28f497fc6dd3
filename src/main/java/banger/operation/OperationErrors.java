package banger.operation;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.OperationError;
import java.util.Arrays;

/** Converts between failures and the error an operation records. */
public final class OperationErrors {

    private OperationErrors() {
    }

    public static OperationError of(Throwable failure) {
        return Rejected.of(failure).map(r -> new OperationError(r.reason().code(), r.message())).orElseGet(() -> {
            Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            return new OperationError(Rejection.Reason.OPERATION_FAILED.code(), message);
        });
    }

    /** The refusal an error stands for. */
    public static Rejected asRejection(OperationError error) {
        Rejection.Reason reason = Arrays.stream(Rejection.Reason.values())
                .filter(r -> r.code().equals(error.code())).findFirst().orElse(Rejection.Reason.OPERATION_FAILED);
        return new Rejected(reason, error.message());
    }
}
