package banger.api;

import banger.operation.OperationControl;
import banger.operation.OperationErrors;
import banger.operation.VmLifecycle;
import banger.core.Rejection;
import banger.wire.VmView;
import java.util.Optional;
import banger.wire.OperationView;
import banger.wire.CreateVmRequest;
import banger.core.Rejected;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Operations over a {@link FakeVmControl}: a create or lifecycle call finishes at once, as the fake VM control
 * answers it.
 */
final class FakeOperationControl implements OperationControl {

    final Map<String, OperationView> operations = new ConcurrentHashMap<>();
    private final Map<String, VmView> lastVms = new ConcurrentHashMap<>();
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

    /**
     * Runs the call on the fake VM control at once: an unknown VM is refused, any other failure ends the operation
     * failed, a success succeeded with the VM it left.
     */
    @Override
    public CompletionStage<OperationView> runLifecycle(VmLifecycle action, String ref, String idempotencyKey) {
        CompletionStage<VmView> call = switch (action) {
            case START -> vms.start(ref);
            case STOP -> vms.stop(ref);
            case RESTART -> vms.restart(ref);
            case DELETE -> vms.delete(ref);
            case SUSPEND -> vms.suspend(ref);
        };
        String id = "op-" + action.verb() + "-" + ref + "-" + operations.size();
        return call.handle((vm, failure) -> {
            Optional<Rejection> refusal = failure == null ? Optional.empty() : Rejected.of(failure);
            if (refusal.filter(r -> r.reason() == Rejection.Reason.NOT_FOUND).isPresent()) {
                throw new Rejected(refusal.get());
            }
            OperationView op = new OperationView(id, action.kind(), vm != null ? vm.name() : ref,
                    vm != null ? vm.id() : null, failure == null ? "succeeded" : "failed",
                    failure == null ? null : OperationErrors.of(failure), FakeVmControl.T0, FakeVmControl.T0,
                    FakeVmControl.T0);
            put(op);
            if (vm != null) {
                lastVms.put(id, vm);
            }
            return op;
        });
    }

    @Override
    public CompletionStage<VmView> awaitVm(String id) {
        return get(id).thenApply(op -> {
            if (op.error() != null) {
                throw OperationErrors.asRejection(op.error());
            }
            return lastVms.get(id);
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
                : CompletableFuture.failedFuture(new Rejected(Rejection.Reason.NOT_FOUND,
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
                throw new Rejected(Rejection.Reason.CONFLICT, "operation " + id + " already finished");
            }
            OperationView cancelled = new OperationView(op.id(), op.kind(), op.vm(), op.vmId(), "cancelled", null,
                    op.createdAt(), FakeVmControl.T0, FakeVmControl.T0);
            put(cancelled);
            return cancelled;
        });
    }
}
