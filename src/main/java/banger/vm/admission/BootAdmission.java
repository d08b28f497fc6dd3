package banger.vm.admission;

import banger.vm.VmRuntime;
import banger.vm.VmSpec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * At most {@code maxConcurrentBoots} VM starts at once (config banger.admission.max-concurrent-boots); the rest
 * wait in the order they asked. A boot under TCG takes a core for tens of seconds: starting a hundred at once
 * would make every one of them miss its boot timeout. The VM stays {@code starting} while it waits; aborting
 * it (cancel, kill) takes it out of the queue. Thread-safe.
 */
public final class BootAdmission {

    private final int maxConcurrentBoots;
    private final Deque<Waiting> queue = new ArrayDeque<>();
    private int booting;
    private volatile Consumer<Duration> waitObserver = wait -> { };

    private record Waiting(String vmId, CompletableFuture<Void> admitted, long since) {
    }

    public BootAdmission(int maxConcurrentBoots) {
        if (maxConcurrentBoots < 1) {
            throw new IllegalArgumentException("banger.admission.max-concurrent-boots must be at least 1");
        }
        this.maxConcurrentBoots = maxConcurrentBoots;
    }

    /** {@code runtime} whose starts go through this admission; every other call passes straight through. */
    public VmRuntime admit(VmRuntime runtime) {
        return new VmRuntime() {
            @Override
            public CompletionStage<Launched> start(VmSpec spec) {
                return admitted(spec, runtime::start);
            }

            /** A warm start may boot cold, so it takes a boot slot too. */
            @Override
            public CompletionStage<Launched> warmStart(VmSpec spec) {
                return admitted(spec, runtime::warmStart);
            }

            @Override
            public CompletionStage<Long> suspend(VmSpec spec, boolean paused) {
                return runtime.suspend(spec, paused);
            }

            @Override
            public CompletionStage<String> stop(VmSpec spec, boolean force) {
                return runtime.stop(spec, force);
            }

            @Override
            public CompletionStage<Probe> probe(VmSpec spec) {
                return runtime.probe(spec);
            }

            @Override
            public CompletionStage<Void> abort(VmSpec spec) {
                return withdraw(spec.id()) ? CompletableFuture.completedFuture(null) : runtime.abort(spec);
            }

            @Override
            public CompletionStage<Void> destroy(VmSpec spec) {
                return runtime.destroy(spec);
            }

            @Override
            public CompletionStage<Void> applyEgress(VmSpec spec) {
                return runtime.applyEgress(spec);
            }

            @Override
            public void watchExit(VmSpec spec, Runnable onExit) {
                runtime.watchExit(spec, onExit);
            }

            @Override
            public CompletionStage<Void> pause(VmSpec spec) {
                return runtime.pause(spec);
            }

            @Override
            public CompletionStage<Void> resume(VmSpec spec) {
                return runtime.resume(spec);
            }
        };
    }

    private CompletionStage<VmRuntime.Launched> admitted(VmSpec spec,
            java.util.function.Function<VmSpec, CompletionStage<VmRuntime.Launched>> boot) {
        return enter(spec.id()).thenCompose(admitted -> {
            CompletionStage<VmRuntime.Launched> started;
            try {
                started = boot.apply(spec);
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            return started.whenComplete((launched, failure) -> leave());
        });
    }

    /** Tells {@code observer} how long each boot waited for its slot (zero when it had one at once). */
    public void observeWaits(Consumer<Duration> observer) {
        this.waitObserver = observer;
    }

    /** Boots running now. */
    public synchronized int booting() {
        return booting;
    }

    /** Boots waiting for a turn. */
    public synchronized int queued() {
        return queue.size();
    }

    /** 1 for the next VM to boot, 0 when {@code vmId} is not waiting. */
    public synchronized int positionOf(String vmId) {
        int position = 1;
        for (Waiting w : queue) {
            if (w.vmId().equals(vmId)) {
                return position;
            }
            position++;
        }
        return 0;
    }

    private synchronized CompletableFuture<Void> enter(String vmId) {
        if (booting < maxConcurrentBoots && queue.isEmpty()) {
            booting++;
            waitObserver.accept(Duration.ZERO);
            return CompletableFuture.completedFuture(null);
        }
        Waiting waiting = new Waiting(vmId, new CompletableFuture<>(), System.nanoTime());
        queue.addLast(waiting);
        return waiting.admitted();
    }

    private void leave() {
        Waiting next;
        synchronized (this) {
            next = queue.pollFirst();
            if (next == null) {
                booting--;
                return;
            }
        }
        // the freed slot passes straight to the next in line; completed outside the lock
        waitObserver.accept(Duration.ofNanos(System.nanoTime() - next.since()));
        next.admitted().complete(null);
    }

    private boolean withdraw(String vmId) {
        Waiting withdrawn = null;
        synchronized (this) {
            for (Waiting w : queue) {
                if (w.vmId().equals(vmId)) {
                    withdrawn = w;
                    break;
                }
            }
            if (withdrawn != null) {
                queue.remove(withdrawn);
            }
        }
        if (withdrawn == null) {
            return false;
        }
        withdrawn.admitted().completeExceptionally(new IllegalStateException("aborted while waiting for a boot slot"));
        return true;
    }
}
