package banger.operation;

import banger.vm.VmFleet;
import banger.wire.CreateVmRequest;
import banger.wire.OperationError;
import banger.wire.VmView;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A short-lived child of the registry that first makes sure the image exists (a catalog image not present yet
 * is pulled or built by {@link ImageOperations}, the registry told the create waits on it), then sends one
 * create to the fleet, hears its two answers (accepted, then
 * created or failed) and hands them on tagged with the operation's id. Its ask gives up after the lifecycle timeout,
 * so an operation never hangs on a VM actor that lost its waiters (e.g. a supervisor restart). Told to
 * {@link Abandon} while it still waits on the image, it stops without asking the fleet; once it has asked, the
 * registry cancels the VM the fleet registers instead. Its mailbox orders the two, so no VM is made unseen.
 */
final class CreateWatcher {

    sealed interface Message {
    }

    /** The create's operation was cancelled. */
    record Abandon() implements Message {
    }

    private record Accepted(String vmId) implements Message {
    }

    private record Finished(VmView vm, Throwable failure) implements Message {
    }

    private record ImageEnsured(ImageOperations.Ensured ensured) implements Message {
    }

    private CreateWatcher() {
    }

    static Behavior<Message> create(String operationId, CreateVmRequest request, ActorRef<VmFleet.Command> fleet,
                                    ActorRef<ImageOperations.Command> images,
                                    ActorRef<OperationRegistry.Command> registry, Duration timeout) {
        return Behaviors.setup(ctx -> {
            if (images == null) {
                return createVm(operationId, request, fleet, registry, timeout);
            }
            images.tell(new ImageOperations.Ensure(operationId, request.image(),
                    ctx.messageAdapter(ImageOperations.Ensured.class, ImageEnsured::new)));
            return Behaviors.receive(Message.class)
                    .onMessage(ImageEnsured.class, e -> switch (e.ensured().status()) {
                        case FETCHING -> {
                            registry.tell(new OperationRegistry.CreateAwaitingImage(operationId));
                            yield Behaviors.same();
                        }
                        case READY -> createVm(operationId, request, fleet, registry, timeout);
                        case FAILED -> {
                            registry.tell(new OperationRegistry.CreateFinished(operationId, null, e.ensured().error()));
                            yield Behaviors.stopped();
                        }
                    })
                    .onMessage(Abandon.class, a -> {
                        registry.tell(new OperationRegistry.CreateAbandoned(operationId));
                        return Behaviors.stopped();
                    })
                    .build();
        });
    }

    private static Behavior<Message> createVm(String operationId, CreateVmRequest request,
                                              ActorRef<VmFleet.Command> fleet,
                                              ActorRef<OperationRegistry.Command> registry, Duration timeout) {
        return Behaviors.setup(ctx -> {
            ActorRef<VmFleet.Accepted> accepted = ctx.messageAdapter(VmFleet.Accepted.class,
                    a -> new Accepted(a.vmId()));
            ctx.askWithStatus(VmView.class, fleet, timeout, r -> new VmFleet.Create(request, accepted, r),
                    Finished::new);
            return Behaviors.receive(Message.class)
                    .onMessage(Accepted.class, a -> {
                        registry.tell(new OperationRegistry.CreateAccepted(operationId, a.vmId()));
                        return Behaviors.same();
                    })
                    .onMessage(Finished.class, f -> {
                        registry.tell(new OperationRegistry.CreateFinished(operationId, f.vm(), errorOf(f, timeout)));
                        return Behaviors.stopped();
                    })
                    .onMessage(Abandon.class, a -> Behaviors.same())
                    .build();
        });
    }

    private static OperationError errorOf(Finished f, Duration timeout) {
        if (f.failure() == null) {
            return null;
        }
        if (f.failure() instanceof TimeoutException) {
            return new OperationError("operation_failed", "no outcome from the VM within " + timeout.toSeconds() + " s");
        }
        return OperationErrors.of(f.failure());
    }
}
