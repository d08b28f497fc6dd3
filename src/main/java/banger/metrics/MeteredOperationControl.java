package banger.metrics;

import banger.operation.ForwardingOperationControl;
import banger.operation.OperationControl;
import banger.operation.VmLifecycle;
import banger.wire.OperationView;
import banger.wire.CreateVmRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CompletionStage;

/**
 * {@link OperationControl} that times each VM create, start, stop, restart and delete from the request to the end
 * of its operation (the VM where it was asked to be, failed, or cancelled), whether the client waited or not.
 */
public final class MeteredOperationControl extends ForwardingOperationControl {

    private final OperationTimers timers;

    public MeteredOperationControl(OperationControl inner, MeterRegistry registry) {
        super(inner);
        this.timers = new OperationTimers(registry);
    }

    @Override
    public CompletionStage<OperationView> createVm(CreateVmRequest request, String idempotencyKey) {
        Timer.Sample sample = Timer.start();
        return timed("create", sample, inner.createVm(request, idempotencyKey));
    }

    @Override
    public CompletionStage<OperationView> runLifecycle(VmLifecycle action, String ref, String idempotencyKey) {
        Timer.Sample sample = Timer.start();
        return timed(action.verb(), sample, inner.runLifecycle(action, ref, idempotencyKey));
    }

    private CompletionStage<OperationView> timed(String operation, Timer.Sample sample,
                                                 CompletionStage<OperationView> accepted) {
        return accepted.whenComplete((op, failure) -> {
            if (failure != null) {
                sample.stop(timers.timer(operation, OperationTimers.outcome(failure)));
            } else if (op.finished()) {
                sample.stop(timers.timer(operation, outcomeOf(op)));
            } else {
                inner.awaitFinished(op.id()).whenComplete((done, err) -> sample.stop(timers.timer(operation,
                        err != null ? OperationTimers.outcome(err) : outcomeOf(done))));
            }
        });
    }

    private static String outcomeOf(OperationView op) {
        if ("succeeded".equals(op.state())) {
            return "ok";
        }
        return op.error() != null ? op.error().code() : op.state();
    }
}
