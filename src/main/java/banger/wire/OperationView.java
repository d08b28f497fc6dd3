package banger.wire;

import java.time.Instant;

/**
 * What the API shows of an operation (snake_case on the wire). {@code vm} is the VM's name; {@code image} the
 * image an image operation makes; {@code progress} is there while an image is pulled or built (null otherwise).
 */
public record OperationView(String id, String kind, String vm, String vmId, String state, OperationError error,
                           Instant createdAt, Instant updatedAt, Instant finishedAt,
                           String image,
                           OperationProgress progress) {

    /** A VM operation's view: no image, no progress. */
    public OperationView(String id, String kind, String vm, String vmId, String state, OperationError error,
                         Instant createdAt, Instant updatedAt, Instant finishedAt) {
        this(id, kind, vm, vmId, state, error, createdAt, updatedAt, finishedAt, null, null);
    }

    public OperationView withProgress(OperationProgress progress) {
        return new OperationView(id, kind, vm, vmId, state, error, createdAt, updatedAt, finishedAt, image, progress);
    }

    public boolean finished() {
        return OperationState.valueOf(state.toUpperCase(java.util.Locale.ROOT)).finished();
    }
}
