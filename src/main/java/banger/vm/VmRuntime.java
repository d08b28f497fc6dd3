package banger.vm;

import java.util.concurrent.CompletionStage;

/**
 * The host side effects of a VM's lifecycle: disks, network, VMM process, guest readiness, and the
 * VM's transient handles (handles.json). Implementations run blocking work on the blocking dispatcher
 * and complete the stages from there; a Vm actor only ever pipes them to itself.
 * Each method is called for one VM by that VM's actor alone, so calls for one VM never overlap, except
 * {@link #abort}, which is meant to overlap the VM's {@link #start}.
 */
public interface VmRuntime {

    /** Prepares what is missing (disk, guest config, TAP), launches the VMM, waits until the guest is ready. */
    CompletionStage<Launched> start(VmSpec spec);

    /** Stops the VMM (gracefully unless {@code force}) and releases its transient resources. Returns the reason. */
    CompletionStage<String> stop(VmSpec spec, boolean force);

    /** Checks the host for this VM's VMM using handles.json and /proc. */
    CompletionStage<Probe> probe(VmSpec spec);

    /**
     * Makes the VM's start in flight fail fast: kills the VMM it launched (if any) and stops it from going further.
     * The start's own stage still completes (usually failed); cleaning up is left to {@link #destroy}.
     */
    CompletionStage<Void> abort(VmSpec spec);

    /** Stops anything still running and removes every file and host resource the VM owned. */
    CompletionStage<Void> destroy(VmSpec spec);

    record Launched(long pid) {
    }

    /** {@code alive} with the VMM's pid, or not alive with why. */
    record Probe(boolean alive, long pid, String detail) {
    }
}
