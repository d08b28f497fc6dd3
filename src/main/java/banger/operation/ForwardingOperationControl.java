package banger.operation;

import banger.wire.CreateVmRequest;
import banger.wire.OperationView;
import banger.wire.VmView;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** An {@link OperationControl} that passes every call to another; decorators override only what they change. */
public abstract class ForwardingOperationControl implements OperationControl {

    protected final OperationControl inner;

    protected ForwardingOperationControl(OperationControl inner) {
        this.inner = inner;
    }

    @Override
    public CompletionStage<OperationView> createVm(CreateVmRequest request, String idempotencyKey) {
        return inner.createVm(request, idempotencyKey);
    }

    @Override
    public CompletionStage<OperationView> runLifecycle(VmLifecycle action, String ref, String idempotencyKey) {
        return inner.runLifecycle(action, ref, idempotencyKey);
    }

    @Override
    public CompletionStage<VmView> awaitVm(String id) {
        return inner.awaitVm(id);
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
