package banger.operation;

import banger.vm.VmFleet;
import banger.vm.VmView;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;

/**
 * A short-lived child of the registry that hears one create's two answers from the fleet (accepted, then
 * created or failed) and hands them on tagged with the operation's id. It gives up after the lifecycle timeout,
 * so an operation never hangs on a VM actor that lost its waiters (e.g. a supervisor restart).
 */
final class CreateWatcher {

    private record GiveUp() {
    }

    private CreateWatcher() {
    }

    static Behavior<Object> create(String operationId, ActorRef<OperationRegistry.Command> registry, Duration timeout) {
        return Behaviors.withTimers(timers -> {
            timers.startSingleTimer(new GiveUp(), timeout);
            return Behaviors.receive(Object.class)
                    .onMessage(VmFleet.Accepted.class, a -> {
                        registry.tell(new OperationRegistry.CreateAccepted(operationId, a.vmId()));
                        return Behaviors.same();
                    })
                    .onMessage(StatusReply.class, r -> {
                        registry.tell(r.isSuccess()
                                ? new OperationRegistry.CreateFinished(operationId, (VmView) r.getValue(), null)
                                : new OperationRegistry.CreateFinished(operationId, null,
                                        OperationError.of(r.getError())));
                        return Behaviors.stopped();
                    })
                    .onMessage(GiveUp.class, g -> {
                        registry.tell(new OperationRegistry.CreateFinished(operationId, null, new OperationError(
                                "operation_failed", "no outcome from the VM within " + timeout.toSeconds() + " s")));
                        return Behaviors.stopped();
                    })
                    .build();
        });
    }
}
