package banger.operation;

import banger.persistence.JsonSerializable;
import banger.vm.CreateVmRequest;
import java.time.Instant;
import java.util.List;

/** What happened to operations, as the registry journals it. */
public sealed interface OperationEvent extends JsonSerializable {

    record OperationStarted(String id, String kind, String vmName, String idempotencyKey, CreateVmRequest request,
                            Instant at) implements OperationEvent {
    }

    /** The fleet registered the VM: it can be reached (and its creation cancelled) by id. */
    record OperationRunning(String id, String vmId, Instant at) implements OperationEvent {
    }

    record OperationSucceeded(String id, String vmId, Instant at) implements OperationEvent {
    }

    record OperationFailed(String id, OperationError error, Instant at) implements OperationEvent {
    }

    record OperationCancelled(String id, Instant at) implements OperationEvent {
    }

    /** Finished operations past their retention, forgotten with their idempotency keys. */
    record OperationsPruned(List<String> ids, Instant at) implements OperationEvent {
    }
}
