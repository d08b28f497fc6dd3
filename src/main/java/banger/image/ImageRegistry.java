package banger.image;

import banger.persistence.JournalFailures;
import banger.persistence.JsonSerializable;
import banger.core.Rejected;
import banger.core.Rejection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * Singleton owning the image records. Mutations of one name are serialised (a removal waits for a build of
 * that name, and the reverse), builds of different names run side by side off the actor on the bounded
 * {@code banger.image-dispatcher}; reads answer at once. A build can be cancelled by name.
 */
public final class ImageRegistry
        extends EventSourcedBehaviorWithEnforcedReplies<ImageRegistry.Command, ImageRegistry.Event, ImageRegistry.State> {

    public sealed interface Command extends JsonSerializable {
    }

    public record GetImage(String name, ActorRef<StatusReply<Image>> replyTo) implements Command {
    }

    public record ListImages(ActorRef<List<Image>> replyTo) implements Command {
    }

    public record Register(Image image, ActorRef<StatusReply<Image>> replyTo) implements Command {
    }

    /** Builds a preset as {@code name} (rebuilding over a complete one returns it); progress to {@code progressTo}. */
    public record Bootstrap(String preset, String name, ActorRef<BuildProgress> progressTo,
                            ActorRef<StatusReply<Image>> replyTo) implements Command {

        public Bootstrap(String preset, String name, ActorRef<StatusReply<Image>> replyTo) {
            this(preset, name, null, replyTo);
        }
    }

    /** Pulls an OCI image under a name not yet taken, off the actor; progress to {@code progressTo} (nullable). */
    public record Pull(String ref, String name, String platform, ActorRef<BuildProgress> progressTo,
                       ActorRef<StatusReply<Image>> replyTo) implements Command {

        public Pull(String ref, String name, String platform, ActorRef<StatusReply<Image>> replyTo) {
            this(ref, name, platform, null, replyTo);
        }
    }

    /** Registers host files as a new image (checked on the blocking dispatcher); a name in use is 409. */
    public record RegisterFiles(String name, String os, String kernel, String initrd, String rootfs,
                                ActorRef<StatusReply<Image>> replyTo) implements Command {
    }

    /**
     * Makes image {@code name} from a stopped VM's disk (flattened) and the boot files of the image it was
     * created from; a name in use is 409, an unknown base image UNKNOWN_IMAGE.
     */
    public record Promote(String name, String baseImage, String disk, ActorRef<StatusReply<Image>> replyTo)
            implements Command {
    }

    /** Cancels the build of {@code name} in flight; answers whether there was one. */
    public record CancelBuild(String name, ActorRef<Boolean> replyTo) implements Command {
    }

    /** Forgets an image and removes its files; the caller has checked that no VM uses it. */
    public record Remove(String name, ActorRef<StatusReply<Image>> replyTo) implements Command {
    }

    private record RemoveFinished(Image image, String failure, ActorRef<StatusReply<Image>> replyTo) implements Command {
    }

    private record BuildFinished(String name, Image image, Rejection.Reason reason, String failure,
                                 ActorRef<StatusReply<Image>> replyTo) implements Command {
    }

    public sealed interface Event extends JsonSerializable {
    }

    public record ImageRegistered(Image image, Instant at) implements Event {
    }

    public record ImageRemoved(String name, Instant at) implements Event {
    }

    /** The images by name. */
    public record State(Map<String, Image> images) implements JsonSerializable {
    }

    private final ActorContext<Command> ctx;
    private final ImageBuilder builder;
    private final Executor blocking;

    // actor-local and transient (a build does not survive a restart): builds in flight and removals by name
    private final Map<String, CancellableBuild> builds = new HashMap<>();
    private final Set<String> removing = new HashSet<>();

    public static Behavior<Command> create(ImageBuilder builder) {
        return Behaviors.setup(ctx -> new ImageRegistry(ctx, builder));
    }

    private ImageRegistry(ActorContext<Command> ctx, ImageBuilder builder) {
        super(PersistenceId.ofUniqueId("ImageRegistry"), JournalFailures.restartWithBackoff());
        this.ctx = ctx;
        this.builder = builder;
        this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("banger.image-dispatcher"));
    }

    /** Snapshots keep recovery short however many VMs or images came and went. */
    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(50, 2);
    }

    @Override
    public State emptyState() {
        return new State(Map.of());
    }

    @Override
    public CommandHandlerWithReply<Command, Event, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder()
                .forAnyState()
                .onCommand(GetImage.class, this::onGet)
                .onCommand(ListImages.class, (s, c) -> Effect().reply(c.replyTo(), new ArrayList<>(s.images().values())))
                .onCommand(Register.class, this::onRegister)
                .onCommand(Bootstrap.class, this::onBootstrap)
                .onCommand(Pull.class, this::onPull)
                .onCommand(RegisterFiles.class, this::onRegisterFiles)
                .onCommand(Promote.class, this::onPromote)
                .onCommand(CancelBuild.class, this::onCancelBuild)
                .onCommand(Remove.class, this::onRemove)
                .onCommand(RemoveFinished.class, this::onRemoveFinished)
                .onCommand(BuildFinished.class, this::onBuildFinished)
                .build();
    }

    private boolean busy(String name) {
        return builds.containsKey(name) || removing.contains(name);
    }

    private ReplyEffect<Event, State> onGet(State s, GetImage c) {
        Image i = s.images().get(c.name());
        return Effect().reply(c.replyTo(), i != null ? StatusReply.success(i) : StatusReply.error(
                new Rejected(Rejection.Reason.UNKNOWN_IMAGE, "no image named " + c.name()
                        + " (bootstrap it with: banger image bootstrap " + c.name() + ")")));
    }

    private ReplyEffect<Event, State> onRegister(State s, Register c) {
        if (busy(c.image().name())) {
            return Effect().stash();
        }
        return Effect().persist(new ImageRegistered(c.image(), Instant.now()))
                .thenReply(c.replyTo(), st -> StatusReply.success(c.image()));
    }

    private ReplyEffect<Event, State> onBootstrap(State s, Bootstrap c) {
        if (busy(c.name())) {
            // a second bootstrap of one name waits, then finds the first one's image complete
            return Effect().stash();
        }
        return build(c.name(), l -> builder.build(c.preset(), c.name(), l), c.progressTo(), c.replyTo());
    }

    /** A name that is taken, being built or being removed: 409 for sources that make a new image. */
    private ReplyEffect<Event, State> refuseIfTaken(State s, String name, ActorRef<StatusReply<Image>> replyTo,
                                                   Supplier<ReplyEffect<Event, State>> otherwise) {
        if (removing.contains(name)) {
            return Effect().stash();
        }
        if (s.images().containsKey(name) || builds.containsKey(name)) {
            return Effect().reply(replyTo, StatusReply.error(new Rejected(Rejection.Reason.CONFLICT,
                    "an image named " + name + (builds.containsKey(name) ? " is being made" : " already exists"))));
        }
        return otherwise.get();
    }

    /** Runs a build off the actor; onBuildFinished registers its image and answers. */
    private ReplyEffect<Event, State> build(String name, Function<BuildListener, Image> work,
                                            ActorRef<BuildProgress> progressTo, ActorRef<StatusReply<Image>> replyTo) {
        CancellableBuild running = new CancellableBuild(progressTo);
        builds.put(name, running);
        ctx.pipeToSelf(running.run(work, blocking), (image, err) -> err == null
                ? new BuildFinished(name, image, null, null, replyTo)
                : running.cancelled() ? new BuildFinished(name, null, Rejection.Reason.OPERATION_FAILED,
                        CANCELLED, replyTo)
                : new BuildFinished(name, null, reasonOf(err), rootMessage(err), replyTo));
        return Effect().noReply();
    }

    /** The failure message of a build that was cancelled. */
    public static final String CANCELLED = "cancelled";

    private ReplyEffect<Event, State> onPull(State s, Pull c) {
        return refuseIfTaken(s, c.name(), c.replyTo(), () -> build(c.name(),
                l -> builder.pull(c.ref(), c.name(), c.platform(), l), c.progressTo(), c.replyTo()));
    }

    private ReplyEffect<Event, State> onRegisterFiles(State s, RegisterFiles c) {
        return refuseIfTaken(s, c.name(), c.replyTo(), () -> build(c.name(),
                l -> RegisteredImage.of(c.name(), c.os(), c.kernel(), c.initrd(), c.rootfs()), null, c.replyTo()));
    }

    private ReplyEffect<Event, State> onPromote(State s, Promote c) {
        Image base = s.images().get(c.baseImage());
        if (base == null) {
            return Effect().reply(c.replyTo(), StatusReply.error(new Rejected(Rejection.Reason.UNKNOWN_IMAGE,
                    "image " + c.baseImage() + ", whose boot files the promoted image takes, no longer exists")));
        }
        return refuseIfTaken(s, c.name(), c.replyTo(), () -> build(c.name(),
                l -> builder.promote(c.name(), base, java.nio.file.Path.of(c.disk()), l), null, c.replyTo()));
    }

    private ReplyEffect<Event, State> onCancelBuild(State s, CancelBuild c) {
        CancellableBuild running = builds.get(c.name());
        if (running != null) {
            running.cancel();
        }
        return Effect().reply(c.replyTo(), running != null);
    }

    private ReplyEffect<Event, State> onRemove(State s, Remove c) {
        if (busy(c.name())) {
            return Effect().stash();
        }
        Image image = s.images().get(c.name());
        if (image == null) {
            return Effect().reply(c.replyTo(), StatusReply.error(new Rejected(Rejection.Reason.NOT_FOUND,
                    "no image named " + c.name())));
        }
        // later mutations of the name wait for the files to be gone, so a pull of it cannot race them
        removing.add(c.name());
        return Effect().persist(new ImageRemoved(c.name(), Instant.now())).thenRun(st ->
                ctx.pipeToSelf(CompletableFuture.runAsync(() -> {
                    try {
                        ImageFiles.remove(image);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, blocking), (ok, err) -> new RemoveFinished(image, err == null ? null : rootMessage(err),
                        c.replyTo())))
                .thenNoReply();
    }

    private ReplyEffect<Event, State> onRemoveFinished(State s, RemoveFinished c) {
        removing.remove(c.image().name());
        return Effect().reply(c.replyTo(), c.failure() == null ? StatusReply.success(c.image())
                        : StatusReply.<Image>error(new Rejected(Rejection.Reason.OPERATION_FAILED,
                        "image " + c.image().name() + " is forgotten but its files could not all be removed: "
                                + c.failure())))
                .thenUnstashAll();
    }

    private ReplyEffect<Event, State> onBuildFinished(State s, BuildFinished c) {
        builds.remove(c.name());
        if (c.failure() != null) {
            return Effect().reply(c.replyTo(), StatusReply.<Image>error(new Rejected(c.reason(), c.failure())))
                    .thenUnstashAll();
        }
        return Effect().persist(new ImageRegistered(c.image(), Instant.now()))
                .thenReply(c.replyTo(), st -> StatusReply.success(c.image()))
                .thenUnstashAll();
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
        var builder = newEventHandlerBuilder();
        builder.forAnyState()
                .onEvent(ImageRegistered.class, (s, e) -> {
                    Map<String, Image> next = new TreeMap<>(s.images());
                    next.put(e.image().name(), e.image());
                    return new State(Map.copyOf(next));
                })
                .onEvent(ImageRemoved.class, (s, e) -> {
                    Map<String, Image> next = new TreeMap<>(s.images());
                    next.remove(e.name());
                    return new State(Map.copyOf(next));
                });
        return builder.build();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c instanceof java.util.concurrent.CompletionException) {
            c = c.getCause();
        }
        return c;
    }

    private static Rejection.Reason reasonOf(Throwable t) {
        return unwrap(t) instanceof Rejected r ? r.reason() : Rejection.Reason.OPERATION_FAILED;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = unwrap(t);
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}
