package banger.api;

import banger.operation.OperationControl;
import banger.operation.OperationView;
import banger.vm.CreateVmRequest;
import banger.vm.RequestRejected;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Operations over a {@link FakeVmControl}: a create finishes at once, as the fake VM control answers it. */
final class FakeOperationControl implements OperationControl {

    final Map<String, OperationView> operations = new ConcurrentHashMap<>();
    private final FakeVmControl vms;

    FakeOperationControl(FakeVmControl vms) {
        this.vms = vms;
    }

    void put(OperationView op) {
        operations.put(op.id(), op);
    }

    static OperationView running(String id, String vm) {
        return new OperationView(id, "create_vm", vm, "id-" + vm, "running", null, FakeVmControl.T0,
                FakeVmControl.T0, null);
    }

    @Override
    public CompletionStage<OperationView> createVm(CreateVmRequest request, String idempotencyKey) {
        return vms.create(request).thenApply(vm -> {
            OperationView op = new OperationView("op-" + vm.name(), "create_vm", vm.name(), vm.id(), "succeeded", null,
                    FakeVmControl.T0, FakeVmControl.T0, FakeVmControl.T0);
            put(op);
            return op;
        });
    }

    @Override
    public CompletionStage<OperationView> awaitFinished(String id) {
        return get(id);
    }

    @Override
    public CompletionStage<OperationView> get(String id) {
        OperationView op = operations.get(id);
        return op != null ? CompletableFuture.completedFuture(op)
                : CompletableFuture.failedFuture(new RequestRejected(RequestRejected.Reason.NOT_FOUND,
                        "no operation " + id));
    }

    @Override
    public CompletionStage<List<OperationView>> list() {
        return CompletableFuture.completedFuture(operations.values().stream()
                .sorted(Comparator.comparing(OperationView::createdAt).reversed()).toList());
    }

    @Override
    public CompletionStage<OperationView> cancel(String id) {
        return get(id).thenApply(op -> {
            if (op.finished()) {
                throw new RequestRejected(RequestRejected.Reason.CONFLICT, "operation " + id + " already finished");
            }
            OperationView cancelled = new OperationView(op.id(), op.kind(), op.vm(), op.vmId(), "cancelled", null,
                    op.createdAt(), FakeVmControl.T0, FakeVmControl.T0);
            put(cancelled);
            return cancelled;
        });
    }
}
