package banger.metrics;

import banger.operation.OperationControl;
import banger.operation.OperationView;
import banger.vm.CreateVmRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * {@link OperationControl} that times each VM create from the request to the end of its operation (the VM
 * created or running, failed, or cancelled), whether the client waited for it or not.
 */
public final class MeteredOperationControl implements OperationControl {

    private final OperationControl inner;
    private final OperationTimers timers;

    public MeteredOperationControl(OperationControl inner, MeterRegistry registry) {
        this.inner = inner;
        this.timers = new OperationTimers(registry);
    }

    @Override
    public CompletionStage<OperationView> createVm(CreateVmRequest request, String idempotencyKey) {
        Timer.Sample sample = Timer.start();
        return inner.createVm(request, idempotencyKey).whenComplete((op, failure) -> {
            if (failure != null) {
                sample.stop(timers.timer("create", OperationTimers.outcome(failure)));
            } else if (op.finished()) {
                sample.stop(timers.timer("create", outcomeOf(op)));
            } else {
                inner.awaitFinished(op.id()).whenComplete((done, err) -> sample.stop(timers.timer("create",
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

    @Override
    public CompletionStage<OperationView> awaitFinished(String id) {
        return inner.awaitFinished(id);
    }

    @Override
    public CompletionStage<OperationView> get(String id) {
        return inner.get(id);
    }

    @Override
    public CompletionStage<List<OperationView>> list() {
        return inner.list();
    }

    @Override
    public CompletionStage<OperationView> cancel(String id) {
        return inner.cancel(id);
    }
}
