package banger.core;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Carries a {@link Rejection} through {@code StatusReply.error} and failed futures. Stackless: it stands for
 * an answer, not a bug. Serialise the {@link #rejection()} when it has to cross a process boundary.
 */
public final class Rejected extends RuntimeException {

    private final Rejection rejection;

    public Rejected(Rejection rejection) {
        super(rejection.message(), null, false, false);
        this.rejection = rejection;
    }

    public Rejected(Rejection.Reason reason, String message) {
        this(Rejection.of(reason, message));
    }

    public Rejection rejection() {
        return rejection;
    }

    public Rejection.Reason reason() {
        return rejection.reason();
    }

    /** The rejection behind a failure, unwrapping future wrappers; empty when the failure is not a refusal. */
    public static java.util.Optional<Rejection> of(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof Rejected r ? java.util.Optional.of(r.rejection) : java.util.Optional.empty();
    }
}
