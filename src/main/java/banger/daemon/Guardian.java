package banger.daemon;

import banger.image.ImageBuilder;
import banger.image.ImageRegistry;
import banger.network.GuestIsolation;
import banger.network.TapOwner;
import banger.network.TapPool;
import banger.network.TapPoolCommand;
import banger.vm.TapPoolPlumbing;
import banger.operation.ImageOperationSettings;
import banger.operation.ImageOperations;
import banger.operation.OperationRegistry;
import banger.operation.OperationSettings;
import banger.vm.GuestAddresses;
import banger.vm.GuestPreparation;
import banger.vm.HostVmRuntime;
import banger.vm.VmRuntime;
import banger.vm.admission.BootAdmission;
import banger.vm.NetworkPlumbing;
import banger.vm.Reconciler;
import banger.vm.VmDefaults;
import banger.vm.VmFleet;
import banger.vm.VmNameListener;
import banger.host.HostCommands;
import banger.storage.DiskClonerChoice;
import banger.vmm.ProcessTable;
import banger.vmm.Vmm;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The root actor: spawns the singletons (image registry, TAP pool), the VM fleet, the operation registry beside
 * it and the reconciler, and hands their references to the daemon's non-actor parts (HTTP API, DNS).
 */
public final class Guardian {

    public sealed interface Command {
    }

    public record GetServices(ActorRef<Services> replyTo) implements Command {
    }

    public record Services(ActorRef<VmFleet.Command> fleet, ActorRef<ImageRegistry.Command> images,
                           Optional<ActorRef<TapPoolCommand>> taps, ActorRef<OperationRegistry.Command> operations,
                           ActorRef<ImageOperations.Command> imageOperations) {
    }

    /** What the root needs to build its children. */
    public record Parts(Path stateDir, HostCommands host, Vmm vmm, DiskClonerChoice cloners, ImageBuilder imageBuilder,
                        GuestPreparation guest, GuestAddresses addresses, VmNameListener names, VmDefaults defaults,
                        Optional<TapPoolSettings> network, Map<String, String> tapsInUse, Duration askTimeout,
                        Duration bootTimeout, Duration shutdownGrace, Duration livenessInterval,
                        Duration reconcileInterval, Duration orphanMinAge, OperationSettings operations,
                        BootAdmission boots, ImageOperationSettings imageOperations) {
    }

    /** @param owner who TAPs are created for (the jailed Firecracker's user), if not only root */
    public record TapPoolSettings(String bridge, int size, Optional<GuestIsolation> isolation,
                                  Optional<TapOwner> owner) {

        public TapPoolSettings(String bridge, int size) {
            this(bridge, size, Optional.empty(), Optional.empty());
        }
    }

    /** Process start times in /proc are only second-accurate; the reconciler leaves younger VMMs alone. */
    private static final Duration PROCESS_START_PRECISION = Duration.ofSeconds(10);

    private Guardian() {
    }

    public static Behavior<Command> create(Parts p) {
        return Behaviors.setup(ctx -> {
            Executor blocking = ctx.getSystem().dispatchers()
                    .lookup(DispatcherSelector.fromConfig("banger.blocking-dispatcher"));
            ActorRef<ImageRegistry.Command> images =
                    ctx.spawn(Supervision.singleton(ImageRegistry.create(p.imageBuilder())), "images");
            Optional<ActorRef<TapPoolCommand>> taps = p.network().map(n -> {
                ActorRef<TapPoolCommand> pool =
                        ctx.spawn(Supervision.singleton(TapPool.create(p.host(), n.bridge(), n.size(), n.owner())), "taps");
                // running VMs keep their TAPs across a daemon restart; everything else of ours is an orphan
                p.tapsInUse().forEach((vmId, tap) -> pool.tell(new TapPoolCommand.Adopt(vmId, tap)));
                pool.tell(new TapPoolCommand.RemoveOrphans(Set.copyOf(p.tapsInUse().values()),
                        ctx.getSystem().ignoreRef()));
                return pool;
            });
            NetworkPlumbing plumbing = taps.<NetworkPlumbing>map(t ->
                    new TapPoolPlumbing(t, ctx.getSystem().scheduler(), p.askTimeout(),
                            p.network().flatMap(TapPoolSettings::isolation))).orElse(NetworkPlumbing.NONE);
            VmRuntime runtime = p.boots().admit(new HostVmRuntime(new HostVmRuntime.Parts(p.stateDir(), p.vmm(),
                    p.cloners(), plumbing, p.guest(), images, ctx.getSystem().scheduler(), blocking, p.askTimeout(),
                    p.bootTimeout(), p.shutdownGrace())));
            ActorRef<VmFleet.Command> fleet = ctx.spawn(Supervision.singleton(VmFleet.create(images, runtime,
                    p.addresses(), p.names(), p.defaults(), p.livenessInterval(), p.askTimeout(), Clock.systemUTC())),
                    "fleet");
            ActorRef<ImageOperations.Command> imageOperations = ctx.spawn(Supervision.singleton(
                    ImageOperations.create(images, p.imageOperations(), Clock.systemUTC())), "image-operations");
            ActorRef<OperationRegistry.Command> operations = ctx.spawn(Supervision.singleton(
                    OperationRegistry.create(fleet, imageOperations, p.operations(), Clock.systemUTC())), "operations");
            ctx.spawn(Supervision.singleton(Reconciler.create(fleet, p.stateDir(), new ProcessTable(), blocking,
                    p.reconcileInterval(), p.orphanMinAge(), PROCESS_START_PRECISION, p.askTimeout())), "reconciler");
            Services services = new Services(fleet, images, taps, operations, imageOperations);
            return Behaviors.receive(Command.class)
                    .onMessage(GetServices.class, c -> {
                        c.replyTo().tell(services);
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
