package banger.vm;

import banger.image.Image;
import banger.image.ImageRegistry;
import banger.image.ImageView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/** {@link VmControl} as asks to the fleet, the VM actors and the image registry, each bounded by a timeout. */
public final class FleetVmControl implements VmControl {

    private final ActorSystem<?> system;
    private final ActorRef<VmFleet.Command> fleet;
    private final ActorRef<ImageRegistry.Command> images;
    private final CurrentEventsByPersistenceIdQuery journal;
    private final Path stateDir;
    private final Duration askTimeout;
    private final Duration lifecycleTimeout;
    private final Duration bootstrapTimeout;

    public FleetVmControl(ActorSystem<?> system, ActorRef<VmFleet.Command> fleet,
                          ActorRef<ImageRegistry.Command> images, String readJournalId, Path stateDir,
                          Duration askTimeout, Duration lifecycleTimeout, Duration bootstrapTimeout) {
        this.system = system;
        this.fleet = fleet;
        this.images = images;
        this.journal = PersistenceQuery.get(system).getReadJournalFor(CurrentEventsByPersistenceIdQuery.class,
                readJournalId);
        this.stateDir = stateDir;
        this.askTimeout = askTimeout;
        this.lifecycleTimeout = lifecycleTimeout;
        this.bootstrapTimeout = bootstrapTimeout;
    }

    @Override
    public CompletionStage<List<VmView>> list() {
        return AskPattern.ask(fleet, VmFleet.ListVms::new, askTimeout, system.scheduler());
    }

    @Override
    public CompletionStage<VmView> get(String ref) {
        return AskPattern.askWithStatus(fleet, r -> new VmFleet.Get(ref, r), askTimeout, system.scheduler());
    }

    @Override
    public CompletionStage<VmView> patch(String ref, PatchVmRequest request) {
        return toVm(ref, r -> new VmCommand.Reconfigure(request, r), askTimeout);
    }

    @Override
    public CompletionStage<VmView> start(String ref) {
        return toVm(ref, VmCommand.Start::new, lifecycleTimeout);
    }

    @Override
    public CompletionStage<VmView> stop(String ref) {
        return toVm(ref, VmCommand.Stop::new, lifecycleTimeout);
    }

    @Override
    public CompletionStage<VmView> restart(String ref) {
        return toVm(ref, VmCommand.Restart::new, lifecycleTimeout.multipliedBy(2));
    }

    @Override
    public CompletionStage<VmView> kill(String ref) {
        return toVm(ref, VmCommand.Kill::new, lifecycleTimeout);
    }

    @Override
    public CompletionStage<VmView> delete(String ref) {
        return toVm(ref, VmCommand.Delete::new, lifecycleTimeout);
    }

    @Override
    public CompletionStage<List<HistoryEntry>> history(String ref) {
        return get(ref).thenCompose(vm -> journal
                .currentEventsByPersistenceId(Vm.persistenceId(vm.id()).id(), 0L, Long.MAX_VALUE)
                .map(env -> HistoryEntry.of(env.sequenceNr(), env.event()))
                .runWith(Sink.seq(), system));
    }

    @Override
    public CompletionStage<Path> consoleLog(String ref) {
        return get(ref).thenApply(vm -> VmDirectory.of(stateDir, vm.id()).consoleLog());
    }

    @Override
    public CompletionStage<List<ImageView>> images() {
        CompletionStage<List<Image>> all = AskPattern.ask(images, ImageRegistry.ListImages::new, askTimeout,
                system.scheduler());
        return all.thenApply(list -> list.stream().map(ImageView::of).toList());
    }

    @Override
    public CompletionStage<ImageView> bootstrapImage(String preset, String name) {
        CompletionStage<Image> built = AskPattern.askWithStatus(images,
                r -> new ImageRegistry.Bootstrap(preset, name, r), bootstrapTimeout, system.scheduler());
        return built.thenApply(ImageView::of);
    }

    private CompletionStage<VmView> toVm(String ref, Function<ActorRef<StatusReply<VmView>>, VmCommand> command,
                                         Duration timeout) {
        CompletionStage<ActorRef<VmCommand>> vm = AskPattern.askWithStatus(fleet, r -> new VmFleet.Resolve(ref, r),
                askTimeout, system.scheduler());
        return vm.thenCompose(actor -> AskPattern.askWithStatus(actor, command::apply, timeout, system.scheduler()));
    }
}
