package banger.api;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.VmView;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Caps on long-lived streams (event subscribers, console followers): each holds a connection, buffers and
 * polling for as long as the client likes, so past the cap a new one is refused with 429. The count is of
 * streams running now; requests arriving together may pass it by a few.
 */
final class StreamLimits extends AllDirectives {

    private final ApiErrors errors;
    private final int maxEventSubscribers;
    private final int maxConsoleFollowers;

    StreamLimits(ApiErrors errors, ApiSettings settings) {
        this.errors = errors;
        this.maxEventSubscribers = settings.maxEventSubscribers();
        this.maxConsoleFollowers = settings.maxConsoleFollowers();
    }

    /** {@code inner} while fewer than banger.api.max-event-subscribers are connected; 429 otherwise. */
    Route admitSubscriber(int running, Supplier<Route> inner) {
        return admit(running, maxEventSubscribers, "event subscribers", inner);
    }

    /** {@code inner} while fewer than banger.api.max-console-followers are connected; 429 otherwise. */
    Route admitFollower(int running, Supplier<Route> inner) {
        return admit(running, maxConsoleFollowers, "console followers", inner);
    }

    private Route admit(int running, int max, String what, Supplier<Route> inner) {
        if (running >= max) {
            return complete(errors.response(Rejection.Reason.TOO_MANY_REQUESTS, max + " " + what
                    + " are connected, the most allowed; retry later").addHeader(RetryAfter.create(5L)));
        }
        return inner.get();
    }

    /** False once the VM is gone (404) or deleted; true on any other answer, so a slow fleet ends nothing. */
    CompletionStage<Boolean> exists(CompletionStage<VmView> vm) {
        return vm.handle((view, failure) -> {
            if (failure == null) {
                return !"deleted".equals(view.state());
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            return !(cause instanceof Rejected r && r.reason() == Rejection.Reason.NOT_FOUND);
        });
    }
}
