package banger.operation;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.image.BuildProgress;
import banger.image.Image;
import banger.image.ImageRegistry;
import banger.persistence.JsonSerializable;
import banger.wire.OperationError;
import banger.wire.OperationProgress;
import banger.wire.OperationState;
import banger.wire.OperationView;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * Image pulls and preset builds as operations a client can poll (progress in bytes and layers) and cancel, and
 * the catalog: an image a create names that is in {@code banger.images.catalog} but not present is pulled or
 * built first, one operation shared by every create waiting on it. The work itself runs in the
 * {@link ImageRegistry} (off its actor, on the image dispatcher); this actor only tracks it. Image operations live
 * in memory, pruned after the operations' retention: a build does not survive a daemon restart, and neither does
 * its record.
 */
public final class ImageOperations extends AbstractBehavior<ImageOperations.Command> {

    public static final String PULL_IMAGE = "pull_image";
    public static final String BOOTSTRAP_IMAGE = "bootstrap_image";

    public sealed interface Command extends JsonSerializable {
    }

    /** Starts pulling; answers the running operation, or a refusal (the name is taken or being made). */
    public record Pull(String ref, String name, String platform, ActorRef<StatusReply<OperationView>> replyTo)
            implements Command {
    }

    /** Starts building a preset; answers the running operation. */
    public record Bootstrap(String preset, String name, ActorRef<StatusReply<OperationView>> replyTo)
            implements Command {
    }

    public record Get(String id, ActorRef<StatusReply<OperationView>> replyTo) implements Command {
    }

    /** Newest first. */
    public record ListOperations(ActorRef<List<OperationView>> replyTo) implements Command {
    }

    /** Cancels a build in flight; answers once it has stopped (cancelled), or 409 if it had already ended. */
    public record Cancel(String id, ActorRef<StatusReply<OperationView>> replyTo) implements Command {
    }

    public record AwaitFinished(String id, ActorRef<StatusReply<OperationView>> replyTo) implements Command {
    }

    /**
     * Makes sure image {@code image} exists before create operation {@code forOperation} goes on: answers
     * {@code READY} at once if it exists or is not in the catalog (the create then finds it, or refuses as
     * usual), else {@code FETCHING} and later {@code READY} or {@code FAILED}.
     */
    public record Ensure(String forOperation, String image, ActorRef<Ensured> replyTo) implements Command {
    }

    public record Ensured(Status status, OperationError error) implements JsonSerializable {

        public enum Status { READY, FETCHING, FAILED }
    }

    /** The progress of the image operation a create waits on, or null. */
    public record ProgressOf(String forOperation, ActorRef<Progress> replyTo) implements Command {
    }

    public record Progress(OperationProgress progress) implements JsonSerializable {
    }

    private record NameChecked(String id, boolean taken) implements Command {
    }

    private record Progressed(String id, BuildProgress progress) implements Command {
    }

    private record Finished(String id, Image image, Throwable failure) implements Command {
    }

    private record EnsureLooked(Ensure request, boolean exists) implements Command {
    }

    private record Prune() implements Command {
    }

    /** One image operation; {@code request} is the pull's ref or the bootstrap's preset. */
    private record ImageOp(String id, String kind, String image, String request, String platform,
                           OperationState state, OperationProgress progress, OperationError error,
                           Instant createdAt, Instant updatedAt, Instant finishedAt) {

        ImageOp with(OperationState state, OperationProgress progress, OperationError error, Instant at) {
            return new ImageOp(id, kind, image, request, platform, state, progress, error, createdAt, at,
                    state.finished() ? at : null);
        }

        OperationView view() {
            return new OperationView(id, kind, null, null, state.wireName(), error, createdAt, updatedAt,
                    finishedAt, image, state.finished() ? null : progress);
        }
    }

    /** Who waits on one unfinished operation. */
    private static final class Waiters {
        ActorRef<StatusReply<OperationView>> starter;
        final List<ActorRef<StatusReply<OperationView>>> finish = new ArrayList<>();
        final List<ActorRef<StatusReply<OperationView>>> cancel = new ArrayList<>();
        final List<ActorRef<Ensured>> ensure = new ArrayList<>();
        ActorRef<BuildProgress> progressForwarder;
    }

    private final ActorRef<ImageRegistry.Command> images;
    private final ImageOperationSettings settings;
    private final Clock clock;
    private final Map<String, ImageOp> operations = new HashMap<>();
    private final Map<String, Waiters> waiting = new HashMap<>();
    /** Unfinished operations by the image they make: a second request for the image joins (catalog) or is 409. */
    private final Map<String, String> makingImage = new HashMap<>();
    /** Create operations waiting on an image operation, for their progress. */
    private final Map<String, String> createsWaiting = new HashMap<>();

    public static Behavior<Command> create(ActorRef<ImageRegistry.Command> images, ImageOperationSettings settings,
                                           Clock clock) {
        return Behaviors.withTimers(timers -> Behaviors.setup(ctx -> {
            timers.startTimerWithFixedDelay(new Prune(), settings.pruneInterval());
            return new ImageOperations(ctx, images, settings, clock);
        }));
    }

    private ImageOperations(ActorContext<Command> ctx, ActorRef<ImageRegistry.Command> images,
                            ImageOperationSettings settings, Clock clock) {
        super(ctx);
        this.images = images;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Pull.class, c -> start(PULL_IMAGE, c.name(), c.ref(), c.platform(), c.replyTo(), true))
                .onMessage(Bootstrap.class, c -> start(BOOTSTRAP_IMAGE, c.name(), c.preset(), null, c.replyTo(), false))
                .onMessage(NameChecked.class, this::onNameChecked)
                .onMessage(Get.class, this::onGet)
                .onMessage(ListOperations.class, this::onList)
                .onMessage(AwaitFinished.class, this::onAwaitFinished)
                .onMessage(Cancel.class, this::onCancel)
                .onMessage(Ensure.class, this::onEnsure)
                .onMessage(EnsureLooked.class, this::onEnsureLooked)
                .onMessage(ProgressOf.class, this::onProgressOf)
                .onMessage(Progressed.class, this::onProgressed)
                .onMessage(Finished.class, this::onFinished)
                .onMessage(Prune.class, c -> prune())
                .build();
    }

    // ---- starting

    /**
     * Records the operation and, for a pull (which makes a new name), first checks the name is free so a taken
     * one is refused at once rather than as a failed operation.
     */
    private Behavior<Command> start(String kind, String image, String request, String platform,
                                    ActorRef<StatusReply<OperationView>> replyTo, boolean needsFreeName) {
        if (makingImage.containsKey(image)) {
            replyTo.tell(StatusReply.error(new Rejected(Rejection.Reason.CONFLICT, "image " + image
                    + " is being made by operation " + makingImage.get(image))));
            return this;
        }
        ImageOp op = record(kind, image, request, platform);
        waitersOf(op.id()).starter = replyTo;
        if (!needsFreeName) {
            run(op);
            return this;
        }
        getContext().askWithStatus(Image.class, images, settings.askTimeout(),
                r -> new ImageRegistry.GetImage(image, r), (found, err) -> new NameChecked(op.id(), found != null));
        return this;
    }

    private ImageOp record(String kind, String image, String request, String platform) {
        String id = "op-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Instant now = clock.instant();
        ImageOp op = new ImageOp(id, kind, image, request, platform, OperationState.RUNNING,
                new OperationProgress("queued", 0, -1, 0, 0), null, now, now, null);
        operations.put(id, op);
        makingImage.put(image, id);
        return op;
    }

    private Behavior<Command> onNameChecked(NameChecked c) {
        ImageOp op = operations.get(c.id());
        if (!c.taken()) {
            run(op);
            return this;
        }
        Waiters w = waiting.remove(op.id());
        makingImage.remove(op.image(), op.id());
        operations.remove(op.id());
        w.starter.tell(StatusReply.error(new Rejected(Rejection.Reason.CONFLICT,
                "an image named " + op.image() + " already exists")));
        return this;
    }

    /** Hands the work to the image registry; its progress comes back through a forwarder tagged with the id. */
    private void run(ImageOp op) {
        Waiters w = waitersOf(op.id());
        ActorRef<Command> self = getContext().getSelf();
        w.progressForwarder = getContext().spawnAnonymous(Behaviors.receive(BuildProgress.class)
                .onMessage(BuildProgress.class, p -> {
                    self.tell(new Progressed(op.id(), p));
                    return Behaviors.same();
                }).build());
        ActorRef<BuildProgress> progress = w.progressForwarder;
        getContext().askWithStatus(Image.class, images, settings.buildTimeout(),
                r -> PULL_IMAGE.equals(op.kind())
                        ? new ImageRegistry.Pull(op.request(), op.image(), op.platform(), progress, r)
                        : new ImageRegistry.Bootstrap(op.request(), op.image(), progress, r),
                (image, err) -> new Finished(op.id(), image, err));
        if (w.starter != null) {
            w.starter.tell(StatusReply.success(op.view()));
            w.starter = null;
        }
    }

    // ---- progress and outcome

    private Behavior<Command> onProgressed(Progressed c) {
        ImageOp op = operations.get(c.id());
        if (op != null && !op.state().finished()) {
            BuildProgress p = c.progress();
            operations.put(op.id(), op.with(op.state(), new OperationProgress(p.phase(), p.bytesDone(), p.bytesTotal(),
                    p.layersDone(), p.layersTotal()), null, clock.instant()));
        }
        return this;
    }

    private Behavior<Command> onFinished(Finished c) {
        ImageOp op = operations.get(c.id());
        if (op == null || op.state().finished()) {
            return this;
        }
        Instant now = clock.instant();
        ImageOp done;
        if (c.failure() == null) {
            done = op.with(OperationState.SUCCEEDED, op.progress(), null, now);
        } else if (c.failure() instanceof java.util.concurrent.TimeoutException) {
            // the build outlived the limit: stop it rather than let it finish unseen
            images.tell(new ImageRegistry.CancelBuild(op.image(), getContext().getSystem().ignoreRef()));
            done = op.with(OperationState.FAILED, op.progress(), new OperationError(
                    Rejection.Reason.OPERATION_FAILED.code(), "no outcome within "
                    + settings.buildTimeout().toMinutes() + " min; the build was cancelled"), now);
        } else {
            OperationError error = OperationErrors.of(c.failure());
            boolean cancelled = ImageRegistry.CANCELLED.equals(error.message());
            done = op.with(cancelled ? OperationState.CANCELLED : OperationState.FAILED, op.progress(),
                    cancelled ? null : error, now);
        }
        operations.put(op.id(), done);
        makingImage.remove(op.image(), op.id());
        Waiters w = waiting.remove(op.id());
        if (w == null) {
            return this;
        }
        if (w.progressForwarder != null) {
            getContext().stop(w.progressForwarder);
        }
        OperationView view = done.view();
        w.finish.forEach(r -> r.tell(StatusReply.success(view)));
        w.cancel.forEach(r -> r.tell(done.state() == OperationState.CANCELLED ? StatusReply.success(view)
                : StatusReply.error(nothingToCancel(done))));
        Ensured ensured = done.state() == OperationState.SUCCEEDED ? new Ensured(Ensured.Status.READY, null)
                : new Ensured(Ensured.Status.FAILED, done.error() != null ? done.error() : new OperationError(
                Rejection.Reason.OPERATION_FAILED.code(), "making image " + op.image() + " was cancelled"));
        w.ensure.forEach(r -> r.tell(ensured));
        return this;
    }

    // ---- reads

    private Behavior<Command> onGet(Get c) {
        ImageOp op = operations.get(c.id());
        c.replyTo().tell(op != null ? StatusReply.success(op.view()) : StatusReply.error(notFound(c.id())));
        return this;
    }

    private Behavior<Command> onList(ListOperations c) {
        c.replyTo().tell(operations.values().stream()
                .sorted(Comparator.comparing(ImageOp::createdAt).thenComparing(ImageOp::id).reversed())
                .map(ImageOp::view).toList());
        return this;
    }

    private Behavior<Command> onAwaitFinished(AwaitFinished c) {
        ImageOp op = operations.get(c.id());
        if (op == null) {
            c.replyTo().tell(StatusReply.error(notFound(c.id())));
        } else if (op.state().finished()) {
            c.replyTo().tell(StatusReply.success(op.view()));
        } else {
            waitersOf(op.id()).finish.add(c.replyTo());
        }
        return this;
    }

    private Behavior<Command> onProgressOf(ProgressOf c) {
        ImageOp op = operations.get(createsWaiting.getOrDefault(c.forOperation(), ""));
        c.replyTo().tell(new Progress(op == null || op.state().finished() ? null : op.view().progress()));
        return this;
    }

    // ---- cancel

    private Behavior<Command> onCancel(Cancel c) {
        ImageOp op = operations.get(c.id());
        if (op == null) {
            c.replyTo().tell(StatusReply.error(notFound(c.id())));
        } else if (op.state() == OperationState.CANCELLED) {
            c.replyTo().tell(StatusReply.success(op.view()));
        } else if (op.state().finished()) {
            c.replyTo().tell(StatusReply.error(nothingToCancel(op)));
        } else {
            // answered when the build has stopped (onFinished): cancelled, or 409 if it ended first
            waitersOf(op.id()).cancel.add(c.replyTo());
            images.tell(new ImageRegistry.CancelBuild(op.image(), getContext().getSystem().ignoreRef()));
        }
        return this;
    }

    // ---- catalog

    private Behavior<Command> onEnsure(Ensure c) {
        if (c.image() == null || !settings.catalog().containsKey(c.image())) {
            c.replyTo().tell(new Ensured(Ensured.Status.READY, null));
            return this;
        }
        if (joinMaking(c)) {
            return this;
        }
        getContext().askWithStatus(Image.class, images, settings.askTimeout(),
                r -> new ImageRegistry.GetImage(c.image(), r), (found, err) -> new EnsureLooked(c, found != null));
        return this;
    }

    private Behavior<Command> onEnsureLooked(EnsureLooked c) {
        Ensure request = c.request();
        if (c.exists()) {
            request.replyTo().tell(new Ensured(Ensured.Status.READY, null));
            return this;
        }
        if (joinMaking(request)) {
            return this;
        }
        CatalogSource source = settings.catalog().get(request.image());
        ImageOp op = record(source.oci() ? PULL_IMAGE : BOOTSTRAP_IMAGE, request.image(), source.value(), null);
        join(op.id(), request);
        run(op);
        return this;
    }

    /** Joins the operation already making the image, if there is one. */
    private boolean joinMaking(Ensure request) {
        String making = makingImage.get(request.image());
        if (making == null) {
            return false;
        }
        join(making, request);
        return true;
    }

    private void join(String imageOperation, Ensure request) {
        waitersOf(imageOperation).ensure.add(request.replyTo());
        createsWaiting.put(request.forOperation(), imageOperation);
        request.replyTo().tell(new Ensured(Ensured.Status.FETCHING, null));
    }

    // ---- pruning

    private Behavior<Command> prune() {
        Instant cutoff = clock.instant().minus(settings.retention());
        operations.values().removeIf(op -> op.finishedAt() != null && !op.finishedAt().isAfter(cutoff));
        createsWaiting.values().removeIf(id -> !operations.containsKey(id));
        return this;
    }

    private Waiters waitersOf(String id) {
        return waiting.computeIfAbsent(id, i -> new Waiters());
    }

    private static Rejected nothingToCancel(ImageOp op) {
        return new Rejected(Rejection.Reason.CONFLICT,
                "operation " + op.id() + " already " + op.state().wireName() + "; there is nothing to cancel");
    }

    private static Rejected notFound(String id) {
        return new Rejected(Rejection.Reason.NOT_FOUND, "no operation " + id);
    }
}
