package banger.testsupport;

import banger.vm.VmRuntime;
import banger.vm.VmSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Stand-in VMM whose starts finish when {@link #finish} is called for the VM's name; records order and concurrency. */
public final class GatedVmRuntime implements VmRuntime {

    public final List<String> started = new CopyOnWriteArrayList<>();
    public final AtomicInteger maxConcurrent = new AtomicInteger();
    private final Map<String, CompletableFuture<Launched>> gates = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();

    public void finish(String name) {
        gates.computeIfAbsent(name, n -> new CompletableFuture<>()).complete(new Launched(4242));
    }

    @Override
    public CompletionStage<Launched> start(VmSpec spec) {
        started.add(spec.name());
        maxConcurrent.accumulateAndGet(running.incrementAndGet(), Math::max);
        return gates.computeIfAbsent(spec.name(), n -> new CompletableFuture<>())
                .whenComplete((l, e) -> running.decrementAndGet());
    }

    @Override
    public CompletionStage<String> stop(VmSpec spec, boolean force) {
        return CompletableFuture.completedFuture("");
    }

    @Override
    public CompletionStage<Probe> probe(VmSpec spec) {
        return CompletableFuture.completedFuture(new Probe(true, 4242, "stand-in"));
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

    @Override
    public CompletionStage<Launched> warmStart(VmSpec spec) {
        return start(spec);
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
