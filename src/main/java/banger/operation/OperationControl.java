package banger.operation;

import banger.wire.OperationView;
import banger.wire.CreateVmRequest;
import banger.wire.VmView;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Operations as the HTTP API sees them. Stages fail with {@link banger.core.Rejected} for refusals
 * (unknown operation, key reused for another request, nothing to cancel).
 */
public interface OperationControl {

    /**
     * Starts creating a VM (or finds the operation of an earlier request with the same idempotency key, which may
     * be null). Completes once the VM is registered, or fails with the create's refusal.
     */
    CompletionStage<OperationView> createVm(CreateVmRequest request, String idempotencyKey);

    /**
     * Starts a start, stop, restart or delete of VM {@code ref} (id or name) as an operation (or finds the earlier
     * request's with the same idempotency key, which may be null). Completes once the VM is found, or fails
     * NOT_FOUND.
     */
    CompletionStage<OperationView> runLifecycle(VmLifecycle action, String ref, String idempotencyKey);

    /**
     * Completes when a lifecycle operation has finished, with the VM as it ended up; fails with the operation's
     * error, or CONFLICT when it was cancelled.
     */
    CompletionStage<VmView> awaitVm(String id);

    /** Completes when the operation has finished, however it ended. */
    CompletionStage<OperationView> awaitFinished(String id);

    CompletionStage<OperationView> get(String id);

    /** Newest first. */
    CompletionStage<List<OperationView>> list();

    /**
     * Cancels an operation in flight; completes once it is cancelled: a create's VM gone, a start's, stop's or
     * restart's VM stopped. Fails CONFLICT when there is nothing to cancel (it finished, or it is a delete under way).
     */
    CompletionStage<OperationView> cancel(String id);
}
