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

    /** Re-pins a TAP a running VM kept across a daemon restart (blocking, idempotent). */
    default void adopt(VmSpec spec, String tap) {
    }

    /** Applies the spec's egress policy to its TAP now, if it holds one (blocking). */
    default void applyEgress(VmSpec spec) {
    }

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
