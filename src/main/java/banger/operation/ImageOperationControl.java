package banger.operation;

import banger.wire.OperationView;
import java.util.concurrent.CompletionStage;

/**
 * Image pulls and preset builds as operations, as the HTTP API starts them; reading and cancelling them goes
 * through {@link OperationControl} like any operation. Stages fail with {@link banger.core.Rejected} for refusals.
 */
public interface ImageOperationControl {

    /** Starts pulling {@code ref} as image {@code name}; completes with the running operation. */
    CompletionStage<OperationView> pull(String ref, String name, String platform);

    /** Starts building {@code preset} as image {@code name}; completes with the running operation. */
    CompletionStage<OperationView> bootstrap(String preset, String name);

    /** Completes when the operation has finished, however it ended. */
    CompletionStage<OperationView> awaitFinished(String id);
}
