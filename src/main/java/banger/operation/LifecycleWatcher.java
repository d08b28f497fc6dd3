package banger.operation;

import banger.vm.VmCommand;
import banger.vm.VmFleet;
import banger.wire.OperationError;
import banger.wire.VmView;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A short-lived child of the registry that runs one lifecycle operation: finds the VM (its actor, then its id and
 * name), tells the registry it was found, sends it the lifecycle command and hands on the outcome, all tagged with
 * the operation's id. The registry hears "found" before the command is sent, so a cancel it sends the VM
 * afterwards always queues behind the command. Asks are bounded, so an operation never hangs.
 */
final class LifecycleWatcher {

    sealed interface Message {
    }

    /** The VM's actor and its view, or why it could not be found. */
    private record Found(ActorRef<VmCommand> vm, VmView view, Throwable failure) implements Message {
    }

    private record Finished(VmView vm, Throwable failure) implements Message {
    }

    private LifecycleWatcher() {
    }

    static Behavior<Message> create(String operationId, VmLifecycle action, String ref,
                                    ActorRef<VmFleet.Command> fleet, ActorRef<OperationRegistry.Command> registry,
                                    OperationSettings settings) {
        Duration timeout = settings.lifecycleTimeout().multipliedBy(action.transitions());
        return Behaviors.setup(ctx -> {
            Scheduler scheduler = ctx.getSystem().scheduler();
            CompletionStage<Found> found = AskPattern.<VmFleet.Command, ActorRef<VmCommand>>askWithStatus(fleet,
                            r -> new VmFleet.Resolve(ref, r), settings.askTimeout(), scheduler)
                    .thenCompose(vm -> AskPattern.<VmCommand, VmView>askWithStatus(vm, VmCommand.Get::new,
                            settings.askTimeout(), scheduler).thenApply(view -> new Found(vm, view, null)));
            ctx.pipeToSelf(found, (f, err) -> err == null ? f : new Found(null, null, err));
            return Behaviors.receive(Message.class)
                    .onMessage(Found.class, f -> {
                        if (f.failure() != null) {
                            // nothing was asked of a VM: the operation is refused
                            registry.tell(new OperationRegistry.LifecycleFinished(operationId, null,
                                    OperationErrors.of(f.failure())));
                            return Behaviors.stopped();
                        }
                        registry.tell(new OperationRegistry.LifecycleAccepted(operationId, f.view().id(),
                                f.view().name()));
                        ctx.askWithStatus(VmView.class, f.vm(), timeout, action::command, Finished::new);
                        return Behaviors.same();
                    })
                    .onMessage(Finished.class, f -> {
                        registry.tell(new OperationRegistry.LifecycleFinished(operationId, f.vm(),
                                errorOf(f.failure(), timeout)));
                        return Behaviors.stopped();
                    })
                    .build();
        });
    }

    private static OperationError errorOf(Throwable failure, Duration timeout) {
        if (failure == null) {
            return null;
        }
        if (failure instanceof TimeoutException) {
            return new OperationError("operation_failed", "no outcome from the VM within " + timeout.toSeconds() + " s");
        }
        return OperationErrors.of(failure);
    }
}
