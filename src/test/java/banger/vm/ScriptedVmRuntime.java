package banger.vm;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A VmRuntime whose side effects the test completes by hand, recording every call in order. */
public final class ScriptedVmRuntime implements VmRuntime {

    public record Call(String op, String vmId, CompletableFuture<Object> result) {
    }

    public final List<String> log = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Call> pending = new LinkedBlockingQueue<>();
    volatile Probe probeAnswer = new Probe(true, 4242, "alive");
    final java.util.concurrent.atomic.AtomicInteger probes = new java.util.concurrent.atomic.AtomicInteger();
    /** The exit watches asked for, in order; running one reports the VMM's exit socket closed. */
    final java.util.List<Runnable> exitWatches = new java.util.concurrent.CopyOnWriteArrayList<>();

    @SuppressWarnings("unchecked")
    private <T> CompletionStage<T> call(String op, VmSpec spec) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        log.add(op + ":" + spec.name());
        pending.add(new Call(op, spec.id(), f));
        return (CompletionStage<T>) (CompletionStage<?>) f;
    }

    @Override
    public CompletionStage<Launched> start(VmSpec spec) {
        return call("start", spec);
    }

    @Override
    public CompletionStage<String> stop(VmSpec spec, boolean force) {
        return call(force ? "kill" : "stop", spec);
    }

    @Override
    public CompletionStage<Probe> probe(VmSpec spec) {
        probes.incrementAndGet();
        return CompletableFuture.completedFuture(probeAnswer);
    }

    /** Recorded, and done at once: the test then fails (or completes) the pending start itself. */
    @Override
    public CompletionStage<Void> abort(VmSpec spec) {
        log.add("abort:" + spec.name());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> destroy(VmSpec spec) {
        return call("destroy", spec);
    }

    @Override
    public CompletionStage<Void> applyEgress(VmSpec spec) {
        return call("egress", spec);
    }

    @Override
    public CompletionStage<Launched> warmStart(VmSpec spec) {
        return call("warm-start", spec);
    }

    @Override
    public CompletionStage<Long> suspend(VmSpec spec, boolean paused) {
        return call(paused ? "suspend-paused" : "suspend", spec);
    }

    @Override
    public CompletionStage<Void> pause(VmSpec spec) {
        return call("pause", spec);
    }

    @Override
    public CompletionStage<Void> resume(VmSpec spec) {
        return call("resume", spec);
    }

    /** The next side effect the actor asked for, waiting up to 5 s. */
    public Call next() throws InterruptedException {
        return next(5);
    }

    /** The next side effect the actor asked for, waiting up to {@code seconds}. */
    public Call next(long seconds) throws InterruptedException {
        Call c = pending.poll(seconds, TimeUnit.SECONDS);
        if (c == null) {
            throw new AssertionError("no side effect requested; log so far: " + log);
        }
        return c;
    }

    /** The next side effect the actor asked for within {@code millis}, or null. */
    public Call poll(long millis) throws InterruptedException {
        return pending.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Asserts no further side effect is requested within the given time. */
    public void expectNone(long millis) throws InterruptedException {
        Call c = pending.poll(millis, TimeUnit.MILLISECONDS);
        if (c != null) {
            throw new AssertionError("unexpected side effect " + c.op() + "; log: " + log);
        }
    }

    @Override
    public void watchExit(VmSpec spec, Runnable onExit) {
        exitWatches.add(onExit);
    }
}
