package banger.api;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.operation.ImageOperationControl;
import banger.wire.OperationView;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The image operations of a server that runs none: every call is refused as unavailable. */
final class ImageOperationControls {

    static final ImageOperationControl NONE = new ImageOperationControl() {
        @Override
        public CompletionStage<OperationView> pull(String ref, String name, String platform) {
            return unavailable();
        }

        @Override
        public CompletionStage<OperationView> bootstrap(String preset, String name) {
            return unavailable();
        }

        @Override
        public CompletionStage<OperationView> awaitFinished(String id) {
            return unavailable();
        }
    };

    private ImageOperationControls() {
    }

    private static CompletionStage<OperationView> unavailable() {
        return CompletableFuture.failedFuture(new Rejected(Rejection.Reason.UNAVAILABLE,
                "this server runs no image operations"));
    }
}
