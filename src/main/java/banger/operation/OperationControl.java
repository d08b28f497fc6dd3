package banger.operation;

import banger.vm.CreateVmRequest;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Operations as the HTTP API sees them. Stages fail with {@link banger.vm.RequestRejected} for refusals
 * (unknown operation, key reused for another request, nothing to cancel).
 */
public interface OperationControl {

    /**
     * Starts creating a VM (or finds the operation of an earlier request with the same idempotency key, which may
     * be null). Completes once the VM is registered, or fails with the create's refusal.
     */
    CompletionStage<OperationView> createVm(CreateVmRequest request, String idempotencyKey);

    /** Completes when the operation has finished, however it ended. */
    CompletionStage<OperationView> awaitFinished(String id);

    CompletionStage<OperationView> get(String id);

    /** Newest first. */
    CompletionStage<List<OperationView>> list();

    /** Cancels a create in flight; completes once its VM is gone and the operation is cancelled. */
    CompletionStage<OperationView> cancel(String id);
}
