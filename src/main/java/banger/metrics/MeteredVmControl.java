package banger.metrics;

import banger.image.ImageView;
import banger.vm.HistoryEntry;
import banger.vm.PatchVmRequest;
import banger.vm.VmControl;
import banger.vm.VmView;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * {@link VmControl} that times each lifecycle operation (start, stop, restart, kill, delete) from the call to
 * its outcome, as the API sees it, into {@link OperationTimers}. Reads pass through untimed.
 */
public final class MeteredVmControl implements VmControl {

    private final VmControl inner;
    private final OperationTimers timers;

    public MeteredVmControl(VmControl inner, MeterRegistry registry) {
        this.inner = inner;
        this.timers = new OperationTimers(registry);
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
        return timers.timed(operation, call);
    }
}
