package banger.api;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.operation.ImageOperationControl;
import banger.wire.OperationView;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Image operations over a {@link FakeVmControl}: calls are recorded in its {@code calls}, a bootstrap takes its
 * {@code bootstrapTakes}, and a finished operation's image is listed by it.
 */
final class FakeImageOperationControl implements ImageOperationControl {

    private final FakeVmControl control;
    private final Map<String, CompletableFuture<OperationView>> outcomes = new ConcurrentHashMap<>();

    FakeImageOperationControl(FakeVmControl control) {
        this.control = control;
    }

    @Override
    public CompletionStage<OperationView> pull(String ref, String name, String platform) {
        control.calls.add("pull " + ref + " " + name);
        return start("pull_image", name, Duration.ZERO);
    }

    @Override
    public CompletionStage<OperationView> bootstrap(String preset, String name) {
        control.calls.add("bootstrap " + preset + " " + name);
        return start("bootstrap_image", name, control.bootstrapTakes);
    }

    @Override
    public CompletionStage<OperationView> awaitFinished(String id) {
        CompletableFuture<OperationView> outcome = outcomes.get(id);
        return outcome != null ? outcome : CompletableFuture.failedFuture(
                new Rejected(Rejection.Reason.NOT_FOUND, "no operation " + id));
    }

    private CompletionStage<OperationView> start(String kind, String name, Duration takes) {
        String id = "op-" + name;
        outcomes.put(id, CompletableFuture.supplyAsync(() -> {
            control.made.add(FakeVmControl.image(name));
            return view(id, kind, name, "succeeded");
        }, CompletableFuture.delayedExecutor(takes.toMillis(), TimeUnit.MILLISECONDS)));
        return CompletableFuture.completedFuture(view(id, kind, name, "running"));
    }

    private static OperationView view(String id, String kind, String image, String state) {
        return new OperationView(id, kind, null, null, state, null, FakeVmControl.T0, FakeVmControl.T0,
                state.equals("running") ? null : FakeVmControl.T0, image, null);
    }
}
