package banger.testsupport;

import banger.vm.VmRuntime;
import banger.vm.VmSpec;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A stand-in VmRuntime for tests and the control-plane benchmark: every start, stop and delete succeeds at once
 * (no disk, network or VMM), except that VMs whose name {@code failsToStart} accepts fail to start. Never the
 * product's runtime.
 */
public final class InstantVmRuntime implements VmRuntime {

    private final Predicate<String> failsToStart;
    private final AtomicLong pids = new AtomicLong(10_000);

    public InstantVmRuntime(Predicate<String> failsToStart) {
        this.failsToStart = failsToStart;
    }

    @Override
    public CompletionStage<Launched> start(VmSpec spec) {
        if (failsToStart.test(spec.name())) {
            return CompletableFuture.failedFuture(new IllegalStateException("scripted boot failure"));
        }
        return CompletableFuture.completedFuture(new Launched(pids.incrementAndGet()));
    }

    @Override
    public CompletionStage<String> stop(VmSpec spec, boolean force) {
        return CompletableFuture.completedFuture("");
    }

    @Override
    public CompletionStage<Probe> probe(VmSpec spec) {
        return CompletableFuture.completedFuture(new Probe(true, 1, "stand-in"));
    }

    @Override
    public CompletionStage<Void> abort(VmSpec spec) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> destroy(VmSpec spec) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> applyEgress(VmSpec spec) {
        return CompletableFuture.completedFuture(null);
    }

    /** A warm start of the stand-in VMM is a start: it has no memory to keep. */
    @Override
    public CompletionStage<Launched> warmStart(VmSpec spec) {
        return start(spec).thenApply(l -> new Launched(l.pid(), true, null));
    }

    @Override
    public CompletionStage<Long> suspend(VmSpec spec, boolean paused) {
        return CompletableFuture.completedFuture(1L << 20);
    }

    @Override
    public CompletionStage<Void> pause(VmSpec spec) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> resume(VmSpec spec) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void watchExit(VmSpec spec, Runnable onExit) {
    }
}
