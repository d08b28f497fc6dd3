package banger.network;

import banger.vm.NetworkPlumbing;
import banger.vm.VmSpec;
import banger.vmm.NetworkAttachment;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** Guest NICs from the {@link TapPool}: a starting VM borrows a TAP, a stopping one gives it back. */
public final class TapPoolPlumbing implements NetworkPlumbing {

    private final ActorRef<TapPoolCommand> pool;
    private final Scheduler scheduler;
    private final Duration timeout;

    public TapPoolPlumbing(ActorRef<TapPoolCommand> pool, Scheduler scheduler, Duration timeout) {
        this.pool = pool;
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    @Override
    public CompletionStage<Optional<NetworkAttachment>> attach(VmSpec spec) {
        if (spec.address() == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());
        }
        CompletionStage<String> tap = AskPattern.askWithStatus(pool,
                ref -> new TapPoolCommand.Lend(spec.id(), ref), timeout, scheduler);
        return tap.whenComplete((t, err) -> {
            if (err != null) {
                // a lend that timed out may still be served later: give that TAP back
                pool.tell(new TapPoolCommand.ReleaseVm(spec.id()));
            }
        }).thenApply(t -> Optional.of(new NetworkAttachment(t, MacAddress.forVm(spec.id()))));
    }

    @Override
    public void release(VmSpec spec, String tap) {
        pool.tell(new TapPoolCommand.Return(tap));
    }
}
