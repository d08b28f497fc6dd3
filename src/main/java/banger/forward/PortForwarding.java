package banger.forward;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.CreateForwardRequest;
import banger.wire.ForwardView;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The port forwards of VMs, as the API sees them; {@code ref} is a VM id or name. */
public interface PortForwarding {

    /** Listens on the host and relays to the guest port; answers with the forward and the host port in use. */
    CompletionStage<ForwardView> open(String ref, CreateForwardRequest request);

    CompletionStage<List<ForwardView>> list(String ref);

    CompletionStage<ForwardView> close(String ref, String id);

    /** For daemons without a guest network: every call answers UNAVAILABLE. */
    static PortForwarding unavailable() {
        Rejected no = new Rejected(Rejection.Reason.UNAVAILABLE, "this daemon forwards no ports");
        return new PortForwarding() {
            @Override
            public CompletionStage<ForwardView> open(String ref, CreateForwardRequest request) {
                return CompletableFuture.failedFuture(no);
            }

            @Override
            public CompletionStage<List<ForwardView>> list(String ref) {
                return CompletableFuture.failedFuture(no);
            }

            @Override
            public CompletionStage<ForwardView> close(String ref, String id) {
                return CompletableFuture.failedFuture(no);
            }
        };
    }
}
