package banger.metrics;

import banger.core.Rejected;
import banger.core.Rejection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The lifecycle latency histogram {@value #OPERATION_TIMER}, tagged with the operation and its outcome ("ok", a
 * {@link Rejection.Reason} code, or "error").
 */
final class OperationTimers {

    static final String OPERATION_TIMER = "banger.vm.operation";

    private final MeterRegistry registry;

    OperationTimers(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Times {@code call} from now until its stage completes. */
    <T> CompletionStage<T> timed(String operation, Supplier<CompletionStage<T>> call) {
        Timer.Sample sample = Timer.start(registry);
        CompletionStage<T> stage;
        try {
            stage = call.get();
        } catch (RuntimeException e) {
            sample.stop(timer(operation, outcome(e)));
            throw e;
        }
        return stage.whenComplete((value, failure) -> sample.stop(timer(operation, outcome(failure))));
    }

    Timer timer(String operation, String outcome) {
        return Timer.builder(OPERATION_TIMER)
                .description("Lifecycle operations from the API's call to their outcome")
                .tags("operation", operation, "outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
    }

    static String outcome(Throwable failure) {
        if (failure == null) {
            return "ok";
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof Rejected rejected ? rejected.reason().code() : "error";
    }
}
