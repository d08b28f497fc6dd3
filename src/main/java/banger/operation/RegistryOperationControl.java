package banger.operation;

import banger.wire.OperationView;
import banger.wire.CreateVmRequest;
import banger.wire.VmView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** {@link OperationControl} as asks to the {@link OperationRegistry}, each bounded by a timeout. */
public final class RegistryOperationControl implements OperationControl {

    private final ActorSystem<?> system;
    private final ActorRef<OperationRegistry.Command> registry;
    private final OperationSettings settings;

    public RegistryOperationControl(ActorSystem<?> system, ActorRef<OperationRegistry.Command> registry,
                                    OperationSettings settings) {
        this.system = system;
        this.registry = registry;
        this.settings = settings;
    }

    @Override
    public CompletionStage<OperationView> createVm(CreateVmRequest request, String idempotencyKey) {
        // acceptance waits on the fleet, which waits on the image registry: two asks deep
        return AskPattern.askWithStatus(registry, r -> new OperationRegistry.CreateVm(request, idempotencyKey, r),
                settings.askTimeout().multipliedBy(2), system.scheduler());
    }

    @Override
    public CompletionStage<OperationView> runLifecycle(VmLifecycle action, String ref, String idempotencyKey) {
        // acceptance waits on two asks (the fleet, then the VM)
        return AskPattern.askWithStatus(registry, r -> new OperationRegistry.RunLifecycle(action, ref, idempotencyKey,
                r), settings.askTimeout().multipliedBy(2), system.scheduler());
    }

    @Override
    public CompletionStage<VmView> awaitVm(String id) {
        // a restart is two transitions
        return AskPattern.askWithStatus(registry, r -> new OperationRegistry.AwaitVm(id, r),
                settings.lifecycleTimeout().multipliedBy(2), system.scheduler());
    }

    @Override
    public CompletionStage<OperationView> awaitFinished(String id) {
        return AskPattern.askWithStatus(registry, r -> new OperationRegistry.AwaitFinished(id, r),
                settings.lifecycleTimeout(), system.scheduler());
    }

    @Override
    public CompletionStage<OperationView> get(String id) {
        return AskPattern.askWithStatus(registry, r -> new OperationRegistry.Get(id, r), settings.askTimeout(),
                system.scheduler());
    }

    @Override
    public CompletionStage<List<OperationView>> list() {
        return AskPattern.ask(registry, OperationRegistry.ListOperations::new, settings.askTimeout(),
                system.scheduler());
    }

    @Override
    public CompletionStage<OperationView> cancel(String id) {
        return AskPattern.askWithStatus(registry, r -> new OperationRegistry.Cancel(id, r),
                settings.lifecycleTimeout(), system.scheduler());
    }
}
