package banger.operation;

import banger.wire.OperationError;
import banger.persistence.JsonSerializable;
import banger.wire.CreateVmRequest;
import java.time.Instant;
import java.util.List;

/** What happened to operations, as the registry journals it. */
public sealed interface OperationEvent extends JsonSerializable {

    /** {@code request} is null for a lifecycle operation; its {@code vmName} is the ref it was asked for. */
    record OperationStarted(String id, String kind, String vmName, String idempotencyKey, CreateVmRequest request,
                            Instant at) implements OperationEvent {
    }

    /**
     * The fleet registered the VM (a create) or found it (a lifecycle operation): it can be reached (and the
     * operation cancelled) by id. {@code vmName} is null for a create, whose name is known from the start.
     */
    record OperationRunning(String id, String vmId, String vmName, Instant at) implements OperationEvent {
    }

    record OperationSucceeded(String id, String vmId, Instant at) implements OperationEvent {
    }

    record OperationFailed(String id, OperationError error, Instant at) implements OperationEvent {
    }

    record OperationCancelled(String id, Instant at) implements OperationEvent {
    }

    /**
     * A client asked to cancel: journaled so a daemon restarted before the cancel's outcome still ends the operation
     * cancelled once its VM is gone (rather than failed).
     */
    record OperationCancelRequested(String id, Instant at) implements OperationEvent {
    }

    /** Finished operations past their retention, forgotten with their idempotency keys. */
    record OperationsPruned(List<String> ids, Instant at) implements OperationEvent {
    }
}
