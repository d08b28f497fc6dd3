package banger.vm;

import banger.network.GuestIsolation;
import banger.network.MacAddress;
import banger.network.TapPoolCommand;
import banger.vmm.NetworkAttachment;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guest NICs from the {@link TapPool}: a starting VM borrows a TAP, a stopping one gives it back. With
 * {@link GuestIsolation}, a lent TAP is pinned to the VM's MAC, address and egress policy before the VM gets it,
 * and unpinned before it goes back.
 *
 * <p>Every pin change runs on one thread in the order it was asked for. A release does not wait for its unpinning
 * (an {@code nft} run, 30-120 ms on an idle host and up to seconds on a loaded one, which held back the record
 * of a dead VMM): the TAP goes back to the pool only after it, and any later pin (a new start of the VM, a new VM
 * given the freed address) is applied after it, so a late unpinning never removes a newer VM's elements (the
 * egress elements are keyed by address). After a daemon kill before it ran, the daemon's start empties the
 * tables and the orphan sweep removes the TAP.
 */
public final class TapPoolPlumbing implements NetworkPlumbing {

    private static final Logger log = LoggerFactory.getLogger(TapPoolPlumbing.class);

    private final ActorRef<TapPoolCommand> pool;
    private final Scheduler scheduler;
    private final Duration timeout;
    private final Optional<GuestIsolation> isolation;
    /** Runs the pin changes ({@code nft} calls) one at a time, first asked first run. */
    private final ExecutorService pins;

    public TapPoolPlumbing(ActorRef<TapPoolCommand> pool, Scheduler scheduler, Duration timeout) {
        this(pool, scheduler, timeout, Optional.empty());
    }

    public TapPoolPlumbing(ActorRef<TapPoolCommand> pool, Scheduler scheduler, Duration timeout,
                           Optional<GuestIsolation> isolation) {
        this.pool = pool;
        this.scheduler = scheduler;
        this.timeout = timeout;
        this.isolation = isolation;
        ThreadPoolExecutor serial = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "guest-isolation");
                    t.setDaemon(true);
                    return t;
                });
        // the thread goes when idle, so a plumbing that is dropped (a test daemon) leaves none behind
        serial.allowCoreThreadTimeOut(true);
        this.pins = serial;
    }

    @Override
    public CompletionStage<Optional<NetworkAttachment>> attach(VmSpec spec) {
        if (spec.address() == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        CompletionStage<String> tap = AskPattern.askWithStatus(pool,
                ref -> new TapPoolCommand.Lend(spec.id(), ref), timeout, scheduler);
        return tap.whenComplete((t, err) -> {
            if (err != null) {
                // a lend that timed out may still be served later: give that TAP back
                pool.tell(new TapPoolCommand.ReleaseVm(spec.id()));
            }
        }).thenApplyAsync(t -> {
            NetworkAttachment nic = new NetworkAttachment(t, MacAddress.forVm(spec.id()));
            try {
                isolation.ifPresent(i -> i.admit(admission(spec, t)));
            } catch (RuntimeException e) {
                pool.tell(new TapPoolCommand.Return(spec.id(), t));
                throw e;
            }
            return Optional.of(nic);
        }, pins);
    }

    @Override
    public void release(VmSpec spec, String tap) {
        if (isolation.isEmpty()) {
            pool.tell(new TapPoolCommand.Return(spec.id(), tap));
            return;
        }
        pins.execute(() -> {
            try {
                isolation.get().evict(tap);
            } catch (RuntimeException e) {
                log.warn("VM {}: unpinning TAP {} failed (it goes back to the pool, re-pinned when lent): {}",
                        spec.name(), tap, e.getMessage());
            } finally {
                pool.tell(new TapPoolCommand.Return(spec.id(), tap));
            }
        });
    }

    @Override
    public void adopt(VmSpec spec, String tap) {
        if (spec.address() != null) {
            isolation.ifPresent(i -> awaitPin(() -> i.admit(admission(spec, tap))));
        }
    }

    @Override
    public void applyEgress(VmSpec spec) {
        if (spec.address() != null) {
            isolation.ifPresent(i -> awaitPin(() -> i.update(spec.address(), spec.egress())));
        }
    }

    /** Runs a pin change after those asked before it and waits for it; its failure is thrown here. */
    private void awaitPin(Runnable change) {
        try {
            CompletableFuture.runAsync(change, pins).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private static GuestIsolation.Admission admission(VmSpec spec, String tap) {
        return new GuestIsolation.Admission(tap, MacAddress.forVm(spec.id()), spec.address(), spec.egress());
    }
}
