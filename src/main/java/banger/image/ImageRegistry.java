package banger.image;

import banger.persistence.JournalFailures;
import banger.persistence.JsonSerializable;
import banger.vm.RequestRejected;
import java.time.Instant;
import java.util.ArrayList;
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
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * Singleton owning the image records. Image mutations are serialised: a bootstrap in flight stashes other
 * mutations, while reads answer at once. Builds run on the blocking dispatcher.
 */
public final class ImageRegistry
        extends EventSourcedBehavior<ImageRegistry.Command, ImageRegistry.Event, ImageRegistry.State> {

    public sealed interface Command extends JsonSerializable {
    }

    public record GetImage(String name, ActorRef<StatusReply<Image>> replyTo) implements Command {
    }

    public record ListImages(ActorRef<List<Image>> replyTo) implements Command {
    }

    public record Register(Image image, ActorRef<StatusReply<Image>> replyTo) implements Command {
    }

    public record Bootstrap(String preset, String name, ActorRef<StatusReply<Image>> replyTo) implements Command {
    }

    record BuildFinished(Image image, RequestRejected.Reason reason, String failure,
                         ActorRef<StatusReply<Image>> replyTo) implements Command {
    }

    public sealed interface Event extends JsonSerializable {
    }

    public record ImageRegistered(Image image, Instant at) implements Event {
    }

    /** The images by name. */
    public record State(Map<String, Image> images) implements JsonSerializable {
    }

    private final ActorContext<Command> ctx;
    private final ImageBuilder builder;
    private final Executor blocking;

    public static Behavior<Command> create(ImageBuilder builder) {
        return Behaviors.setup(ctx -> new ImageRegistry(ctx, builder));
    }

    private ImageRegistry(ActorContext<Command> ctx, ImageBuilder builder) {
        super(PersistenceId.ofUniqueId("ImageRegistry"), JournalFailures.restartWithBackoff());
        this.ctx = ctx;
        this.builder = builder;
        this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("banger.blocking-dispatcher"));
    }

    // a build in flight; actor-local and transient (a build does not survive a restart)
    private boolean building;

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
    public CommandHandler<Command, Event, State> commandHandler() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(GetImage.class, (s, c) -> {
                    Image i = s.images().get(c.name());
                    c.replyTo().tell(i != null ? StatusReply.success(i) : StatusReply.error(
                            new RequestRejected(RequestRejected.Reason.UNKNOWN_IMAGE, "no image named " + c.name()
                                    + " (bootstrap it with: banger image bootstrap " + c.name() + ")")));
                    return Effect().none();
                })
                .onCommand(ListImages.class, (s, c) -> {
                    c.replyTo().tell(new ArrayList<>(s.images().values()));
                    return Effect().none();
                })
                .onCommand(Register.class, (s, c) -> {
                    if (building) {
                        return Effect().stash();
                    }
                    return Effect().persist(new ImageRegistered(c.image(), Instant.now()))
                            .thenReply(c.replyTo(), st -> StatusReply.success(c.image()));
                })
                .onCommand(Bootstrap.class, (s, c) -> {
                    if (building) {
                        return Effect().stash();
                    }
                    building = true;
                    ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> builder.build(c.preset(), c.name()), blocking),
                            (image, err) -> err == null ? new BuildFinished(image, null, null, c.replyTo())
                                    : new BuildFinished(null, reasonOf(err), rootMessage(err), c.replyTo()));
                    return Effect().none();
                })
                .onCommand(BuildFinished.class, (s, c) -> {
                    building = false;
                    if (c.failure() != null) {
                        c.replyTo().tell(StatusReply.error(new RequestRejected(c.reason(), c.failure())));
                        return Effect().unstashAll();
                    }
                    return Effect().persist(new ImageRegistered(c.image(), Instant.now()))
                            .thenReply(c.replyTo(), st -> StatusReply.success(c.image()))
                            .thenUnstashAll();
                })
                .build();
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
        var builder = newEventHandlerBuilder();
        builder.forAnyState()
                .onEvent(ImageRegistered.class, (s, e) -> {
                    Map<String, Image> next = new TreeMap<>(s.images());
                    next.put(e.image().name(), e.image());
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

    private static RequestRejected.Reason reasonOf(Throwable t) {
        return unwrap(t) instanceof RequestRejected r ? r.reason() : RequestRejected.Reason.OPERATION_FAILED;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = unwrap(t);
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}
