package banger.metrics;

import banger.vm.ForwardingVmControl;
import banger.vm.VmControl;
import banger.wire.VmView;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletionStage;

/**
 * {@link VmControl} that times kill, the one lifecycle call the API makes directly, from the call to its outcome
 * into {@link OperationTimers}; the calls that are operations are timed by {@link MeteredOperationControl}. Reads
 * pass through untimed.
 */
public final class MeteredVmControl extends ForwardingVmControl {

    private final OperationTimers timers;

    public MeteredVmControl(VmControl inner, MeterRegistry registry) {
        super(inner);
        this.timers = new OperationTimers(registry);
    }

    @Override
    public CompletionStage<VmView> kill(String ref) {
        return timers.timed("kill", () -> inner.kill(ref));
    }
}
