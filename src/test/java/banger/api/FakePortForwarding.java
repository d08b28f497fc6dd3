package banger.api;

import banger.forward.PortForwarding;
import banger.wire.CreateForwardRequest;
import banger.wire.ForwardView;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Answers every forward call with one canned forward, for route tests. */
final class FakePortForwarding implements PortForwarding {

    static ForwardView forward(String vm, String id) {
        return new ForwardView(id, "id-" + vm, vm, 8080, "127.0.0.1", 40000, Instant.parse("2025-06-01T12:00:00Z"),
                null);
    }

    @Override
    public CompletionStage<ForwardView> open(String ref, CreateForwardRequest request) {
        return CompletableFuture.completedFuture(forward(ref, "fwd-1"));
    }

    @Override
    public CompletionStage<List<ForwardView>> list(String ref) {
        return CompletableFuture.completedFuture(List.of(forward(ref, "fwd-1")));
    }

    @Override
    public CompletionStage<ForwardView> close(String ref, String id) {
        return CompletableFuture.completedFuture(forward(ref, id));
    }
}
