package banger.vm;

import banger.vmm.NetworkAttachment;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Gives a starting VM its NIC on the host network and takes it back when it stops. */
public interface NetworkPlumbing {

    /** A TAP for this VM, or empty when the daemon runs without a guest network. */
    CompletionStage<Optional<NetworkAttachment>> attach(VmSpec spec);

    /** Returns the TAP to the pool. */
    void release(VmSpec spec, String tap);

    NetworkPlumbing NONE = new NetworkPlumbing() {
        @Override
        public CompletionStage<Optional<NetworkAttachment>> attach(VmSpec spec) {
            return CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public void release(VmSpec spec, String tap) {
        }
    };
}
