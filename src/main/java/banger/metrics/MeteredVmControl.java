package banger.metrics;

import banger.image.ImageView;
import banger.vm.CreateVmRequest;
import banger.vm.HistoryEntry;
import banger.vm.PatchVmRequest;
import banger.vm.RequestRejected;
import banger.vm.VmControl;
import banger.vm.VmView;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * {@link VmControl} that times each lifecycle operation (create, start, stop, restart, kill, delete) from the
 * call to its outcome, as the API sees it, into {@value #OPERATION_TIMER} tagged with the operation and its
 * outcome ("ok", a {@link RequestRejected.Reason} code, or "error"). Reads pass through untimed.
 */
public final class MeteredVmControl implements VmControl {

    public static final String OPERATION_TIMER = "banger.vm.operation";

    private final VmControl inner;
    private final MeterRegistry registry;

    public MeteredVmControl(VmControl inner, MeterRegistry registry) {
        this.inner = inner;
        this.registry = registry;
    }

    @Override
    public CompletionStage<VmView> create(CreateVmRequest request) {
        return timed("create", () -> inner.create(request));
    }

    @Override
    public CompletionStage<List<VmView>> list() {
        return inner.list();
    }

    @Override
    public CompletionStage<VmView> get(String ref) {
        return inner.get(ref);
    }

    @Override
    public CompletionStage<VmView> patch(String ref, PatchVmRequest request) {
        return inner.patch(ref, request);
    }

    @Override
    public CompletionStage<VmView> start(String ref) {
        return timed("start", () -> inner.start(ref));
    }

    @Override
    public CompletionStage<VmView> stop(String ref) {
        return timed("stop", () -> inner.stop(ref));
    }

    @Override
    public CompletionStage<VmView> restart(String ref) {
        return timed("restart", () -> inner.restart(ref));
    }

    @Override
    public CompletionStage<VmView> kill(String ref) {
        return timed("kill", () -> inner.kill(ref));
    }

    @Override
    public CompletionStage<VmView> delete(String ref) {
        return timed("delete", () -> inner.delete(ref));
    }

    @Override
    public CompletionStage<List<HistoryEntry>> history(String ref) {
        return inner.history(ref);
    }

    @Override
    public CompletionStage<Path> consoleLog(String ref) {
        return inner.consoleLog(ref);
    }

    @Override
    public CompletionStage<List<ImageView>> images() {
        return inner.images();
    }

    @Override
    public CompletionStage<ImageView> bootstrapImage(String preset, String name) {
        return inner.bootstrapImage(preset, name);
    }

    private <T> CompletionStage<T> timed(String operation, Supplier<CompletionStage<T>> call) {
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

    private Timer timer(String operation, String outcome) {
        return Timer.builder(OPERATION_TIMER)
                .description("Lifecycle operations from the API's call to their outcome")
                .tags("operation", operation, "outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
    }

    private static String outcome(Throwable failure) {
        if (failure == null) {
            return "ok";
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof RequestRejected rejected ? rejected.reason().code : "error";
    }
}
