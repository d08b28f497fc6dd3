package banger.operation;

import java.time.Instant;

/** What the API shows of an operation (snake_case on the wire). {@code vm} is the VM's name. */
public record OperationView(String id, String kind, String vm, String vmId, String state, OperationError error,
                           Instant createdAt, Instant updatedAt, Instant finishedAt) {

    public boolean finished() {
        return !state.equals(OperationState.PENDING.wireName()) && !state.equals(OperationState.RUNNING.wireName());
    }
}
