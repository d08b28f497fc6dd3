package banger.operation;

import banger.wire.OperationError;
import banger.wire.OperationState;
import banger.wire.OperationView;
import banger.persistence.JsonSerializable;
import banger.wire.CreateVmRequest;
import java.time.Instant;

/**
 * One operation as journaled by the {@link OperationRegistry}. {@code vmId} is null until the VM is registered;
 * {@code request} is kept to tell a repeated create (same Idempotency-Key, same body) from a different one; a
 * lifecycle operation ({@link VmLifecycle}) has none: its kind and VM tell.
 */
public record Operation(String id, String kind, String vmName, String vmId, OperationState state,
                        OperationError error, String idempotencyKey, CreateVmRequest request, Instant createdAt,
                        Instant updatedAt, Instant finishedAt) implements JsonSerializable {

    public static final String CREATE_VM = "create_vm";

    /** {@code name} is the VM's name once known (a lifecycle operation was asked by a ref, which may be its id). */
    Operation running(String vmId, String name, Instant at) {
        return new Operation(id, kind, name != null ? name : vmName, vmId, OperationState.RUNNING, null,
                idempotencyKey, request, createdAt, at, null);
    }

    Operation finished(OperationState outcome, String vmId, OperationError error, Instant at) {
        return new Operation(id, kind, vmName, vmId != null ? vmId : this.vmId, outcome, error, idempotencyKey,
                request, createdAt, at, at);
    }

    /** Refused before a VM was registered (bad request, name taken, unknown image): nothing was accepted. */
    boolean rejected() {
        return state == OperationState.FAILED && vmId == null;
    }

    public OperationView view() {
        return new OperationView(id, kind, vmName, vmId, state.wireName(), error, createdAt, updatedAt, finishedAt);
    }
}
