package banger.metrics;

import banger.vm.ForwardingVmControl;
import banger.vm.VmControl;
import banger.wire.VmView;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * {@link VmControl} that times each lifecycle operation (start, stop, restart, kill, delete) from the call to
 * its outcome, as the API sees it, into {@link OperationTimers}. Reads pass through untimed.
 */
public final class MeteredVmControl extends ForwardingVmControl {

    private final OperationTimers timers;

    public MeteredVmControl(VmControl inner, MeterRegistry registry) {
        super(inner);
        this.timers = new OperationTimers(registry);
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

    private <T> CompletionStage<T> timed(String operation, Supplier<CompletionStage<T>> call) {
        return timers.timed(operation, call);
    }
}
