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

    /**
     * Resumes a suspended VM from its saved state (memory, devices, with the disk it was saved with); when the state
     * cannot be used, boots it cold instead and says why in {@link Launched#coldBootReason()}. The saved state is
     * discarded once the start has ended, however it ended.
     */
    CompletionStage<Launched> warmStart(VmSpec spec);

    /**
     * Saves the running or {@code paused} VM's memory and device state beside its disk, then ends its VMM and
     * releases its TAP; returns the saved bytes. On failure nothing is kept and a VM that ran runs on. A VM whose
     * VMM is gone but whose complete state is there (a suspend the daemon's death interrupted) answers that state.
     */
    CompletionStage<Long> suspend(VmSpec spec, boolean paused);

    /**
     * Stops the VMM (gracefully unless {@code force}) and releases its transient resources, a saved state included.
     * Returns the reason.
     */
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

    /** Applies the spec's egress policy to the VM's network now, if it holds a TAP; a no-op otherwise. */
    CompletionStage<Void> applyEgress(VmSpec spec);

    /**
     * Runs {@code onExit} (on another thread) the moment the VM's VMM is seen to exit, so a death is noticed at
     * once rather than at the next liveness probe; does nothing when the driver cannot tell (the probe remains).
     * Neither this nor {@link #applyEgress} has a default: a wrapper that forgot to pass them on would silently
     * disable egress policies and exit watches.
     */
    void watchExit(VmSpec spec, Runnable onExit);

    /** Freezes the running VM's vCPUs (its VMM and memory stay); no default, as a wrapper must pass it on. */
    CompletionStage<Void> pause(VmSpec spec);

    /** Lets a paused VM's vCPUs run on. */
    CompletionStage<Void> resume(VmSpec spec);

    /** @param coldBootReason why a warm start booted cold instead (null when it resumed, or for a cold start) */
    record Launched(long pid, boolean warm, String coldBootReason) {

        public Launched(long pid) {
            this(pid, false, null);
        }
    }

    /** What a probe found: the VMM runs, it does not, or the host could not be checked (never read as dead). */
    enum Liveness { ALIVE, DEAD, UNKNOWN }

    /** {@code ALIVE} with the VMM's pid, or {@code DEAD} / {@code UNKNOWN} with why. */
    record Probe(Liveness liveness, long pid, String detail) {

        public Probe(boolean alive, long pid, String detail) {
            this(alive ? Liveness.ALIVE : Liveness.DEAD, pid, detail);
        }

        public static Probe unknown(long pid, String why) {
            return new Probe(Liveness.UNKNOWN, pid, why);
        }

        public boolean alive() {
            return liveness == Liveness.ALIVE;
        }
    }
}
