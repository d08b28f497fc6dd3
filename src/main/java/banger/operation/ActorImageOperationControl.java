package banger.operation;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.OperationView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * Image operations as asks to {@link ImageOperations}, and every operation (VM and image) behind one
 * {@link OperationControl}: reads and cancels try the image operations first (in memory, quick) and fall back to
 * {@code vms}; a create waiting on a catalog image shows that image's progress.
 */
public final class ActorImageOperationControl implements ImageOperationControl, OperationControl {

    private final ActorSystem<?> system;
    private final ActorRef<ImageOperations.Command> images;
    private final OperationControl vms;
    private final Duration askTimeout;
    private final Duration buildTimeout;

    public ActorImageOperationControl(ActorSystem<?> system, ActorRef<ImageOperations.Command> images,
                                      OperationControl vms, Duration askTimeout, Duration buildTimeout) {
        this.system = system;
        this.images = images;
        this.vms = vms;
        this.askTimeout = askTimeout;
        this.buildTimeout = buildTimeout;
    }

    @Override
    public CompletionStage<OperationView> pull(String ref, String name, String platform) {
        // a free name is checked with the image registry first: two asks deep
        return AskPattern.askWithStatus(images, r -> new ImageOperations.Pull(ref, name, platform, r),
                askTimeout.multipliedBy(2), system.scheduler());
    }

    @Override
    public CompletionStage<OperationView> bootstrap(String preset, String name) {
        return AskPattern.askWithStatus(images, r -> new ImageOperations.Bootstrap(preset, name, r), askTimeout,
                system.scheduler());
    }

    @Override
    public CompletionStage<OperationView> createVm(banger.wire.CreateVmRequest request, String idempotencyKey) {
        return vms.createVm(request, idempotencyKey);
    }

    @Override
    public CompletionStage<OperationView> runLifecycle(VmLifecycle action, String ref, String idempotencyKey) {
        return vms.runLifecycle(action, ref, idempotencyKey);
    }

    @Override
    public CompletionStage<banger.wire.VmView> awaitVm(String id) {
        return vms.awaitVm(id);
    }

    @Override
    public CompletionStage<OperationView> awaitFinished(String id) {
        return imageOrVm(id, r -> new ImageOperations.AwaitFinished(id, r), buildTimeout, vms::awaitFinished);
    }

    @Override
    public CompletionStage<OperationView> get(String id) {
        return imageOrVm(id, r -> new ImageOperations.Get(id, r), askTimeout, this::vmOperationWithProgress);
    }

    @Override
    public CompletionStage<List<OperationView>> list() {
        CompletionStage<List<OperationView>> ours = AskPattern.ask(images, ImageOperations.ListOperations::new,
                askTimeout, system.scheduler());
        return ours.thenCombine(vms.list(), (a, b) -> {
            List<OperationView> all = new ArrayList<>(a);
            all.addAll(b);
            all.sort(Comparator.comparing(OperationView::createdAt).thenComparing(OperationView::id).reversed());
            return List.copyOf(all);
        });
    }

    @Override
    public CompletionStage<OperationView> cancel(String id) {
        return imageOrVm(id, r -> new ImageOperations.Cancel(id, r), buildTimeout, vms::cancel);
    }

    private CompletionStage<OperationView> vmOperationWithProgress(String id) {
        return vms.get(id).thenCompose(op -> {
            if (op.finished() || !"create_vm".equals(op.kind())) {
                return CompletableFuture.completedFuture(op);
            }
            CompletionStage<ImageOperations.Progress> progress = AskPattern.ask(images,
                    r -> new ImageOperations.ProgressOf(id, r), askTimeout, system.scheduler());
            return progress.thenApply(p -> p.progress() == null ? op : op.withProgress(p.progress()));
        });
    }

    private CompletionStage<OperationView> imageOrVm(
            String id, Function<ActorRef<StatusReply<OperationView>>, ImageOperations.Command> command,
            Duration timeout, Function<String, CompletionStage<OperationView>> otherwise) {
        CompletionStage<OperationView> ours = AskPattern.askWithStatus(images, command::apply, timeout,
                system.scheduler());
        return ours.handle((op, err) -> {
            if (err == null) {
                return CompletableFuture.completedFuture(op);
            }
            boolean notOurs = Rejected.of(err).map(r -> r.reason() == Rejection.Reason.NOT_FOUND).orElse(false);
            return notOurs ? otherwise.apply(id) : CompletableFuture.<OperationView>failedFuture(err);
        }).thenCompose(Function.identity());
    }
}
