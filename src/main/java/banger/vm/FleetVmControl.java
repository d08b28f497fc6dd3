package banger.vm;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.HistoryEntry;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import banger.image.Image;
import banger.image.ImageRegistry;
import banger.wire.ImageView;
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
        if (!VmExpiry.mentionedIn(request)) {
            return toVm(ref, r -> new VmCommand.Reconfigure(request, r), askTimeout);
        }
        // the part that can be refused for the VM's phase (a resize while it runs) goes first
        return toVm(ref, r -> new VmCommand.Reconfigure(request, r), askTimeout)
                .thenCompose(v -> toVm(ref, r -> new VmCommand.SetExpiry(request, r), askTimeout));
    }

    @Override
    public CompletionStage<VmView> kill(String ref) {
        return toVm(ref, VmCommand.Kill::new, lifecycleTimeout);
    }

    @Override
    public CompletionStage<List<HistoryEntry>> history(String ref) {
        return get(ref).thenCompose(vm -> journal
                .currentEventsByPersistenceId(Vm.persistenceId(vm.id()).id(), 0L, Long.MAX_VALUE)
                .map(env -> VmHistory.entryOf(env.sequenceNr(), env.event()))
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
        return all.thenApply(list -> list.stream().map(banger.image.Image::view).toList());
    }

    @Override
    public CompletionStage<ImageView> registerImage(String name, String os, String kernel, String initrd, String rootfs) {
        CompletionStage<Image> registered = AskPattern.askWithStatus(images,
                r -> new ImageRegistry.RegisterFiles(name, os, kernel, initrd, rootfs, r), bootstrapTimeout,
                system.scheduler());
        return registered.thenApply(banger.image.Image::view);
    }

    /**
     * Only a stopped VM's disk is quiet; a start asked for while the disk is copied is not held back (the
     * copy would then be of a disk in use), which the caller avoids by not starting the VM it promotes.
     */
    @Override
    public CompletionStage<ImageView> promoteVm(String ref, String name) {
        return get(ref).thenCompose(vm -> {
            if (!"stopped".equals(vm.state())) {
                return java.util.concurrent.CompletableFuture.<ImageView>failedFuture(new Rejected(
                        Rejection.Reason.CONFLICT, "VM " + vm.name() + " is " + vm.state()
                        + "; stop it before promoting its disk"));
            }
            VmDirectory dir = VmDirectory.of(stateDir, vm.id());
            Path disk = java.nio.file.Files.exists(dir.root().resolve("disk.qcow2")) ? dir.root().resolve("disk.qcow2")
                    : dir.root().resolve("disk.raw");
            CompletionStage<Image> promoted = AskPattern.askWithStatus(images,
                    r -> new ImageRegistry.Promote(name, vm.image(), disk.toString(), r), bootstrapTimeout,
                    system.scheduler());
            return promoted.thenApply(banger.image.Image::view);
        });
    }

    /**
     * Refuses while the fleet lists a VM of the image (any state); a create that has looked the image up but is
     * not yet registered with the fleet is not seen, and would fail at its start with the files gone.
     */
    @Override
    public CompletionStage<ImageView> deleteImage(String name) {
        return list().thenCompose(vms -> {
            List<String> users = vms.stream().filter(vm -> name.equals(vm.image()) && !"deleted".equals(vm.state()))
                    .map(VmView::name).sorted().toList();
            if (!users.isEmpty()) {
                return java.util.concurrent.CompletableFuture.failedFuture(new Rejected(
                        Rejection.Reason.CONFLICT, "image " + name + " is used by VM" + (users.size() > 1 ? "s " : " ")
                        + String.join(", ", users) + "; delete " + (users.size() > 1 ? "them" : "it") + " first"));
            }
            CompletionStage<Image> removed = AskPattern.askWithStatus(images, r -> new ImageRegistry.Remove(name, r),
                    bootstrapTimeout, system.scheduler());
            return removed.thenApply(banger.image.Image::view);
        });
    }

    @Override
    public CompletionStage<VmView> pause(String ref) {
        return toVm(ref, VmCommand.Pause::new, lifecycleTimeout);
    }

    @Override
    public CompletionStage<VmView> resume(String ref) {
        return toVm(ref, VmCommand.Resume::new, lifecycleTimeout);
    }

    @Override
    public void touch(String ref) {
        AskPattern.<VmFleet.Command, StatusReply<ActorRef<VmCommand>>>ask(fleet, r -> new VmFleet.Resolve(ref, r),
                askTimeout, system.scheduler()).thenAccept(resolved -> {
                    if (resolved.isSuccess()) {
                        resolved.getValue().tell(new VmCommand.Touch(system.ignoreRef()));
                    }
                });
    }

    private CompletionStage<VmView> toVm(String ref, Function<ActorRef<StatusReply<VmView>>, VmCommand> command,
                                         Duration timeout) {
        CompletionStage<ActorRef<VmCommand>> vm = AskPattern.askWithStatus(fleet, r -> new VmFleet.Resolve(ref, r),
                askTimeout, system.scheduler());
        return vm.thenCompose(actor -> AskPattern.askWithStatus(actor, command::apply, timeout, system.scheduler()));
    }
}
