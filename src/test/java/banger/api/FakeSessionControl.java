package banger.api;

import banger.session.SessionControl;
import banger.session.SessionView;
import banger.session.StartSessionRequest;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/** Answers every session call with one canned session, for route tests. */
final class FakeSessionControl implements SessionControl {

    static SessionView session(String vm, String id) {
        return new SessionView(id, null, vm, List.of("cat"), false, SessionView.RUNNING, null,
                Instant.parse("2025-06-01T12:00:00Z"), null, 5, 0, false, null);
    }

    @Override
    public CompletionStage<SessionView> start(String vm, StartSessionRequest request) {
        return CompletableFuture.completedFuture(session(vm, "0123456789ab"));
    }

    @Override
    public CompletionStage<List<SessionView>> list(String vm) {
        return CompletableFuture.completedFuture(List.of(session(vm, "0123456789ab")));
    }

    @Override
    public CompletionStage<SessionView> get(String vm, String session) {
        return CompletableFuture.completedFuture(session(vm, session));
    }

    @Override
    public CompletionStage<SessionOutput> output(String vm, String session, long offset, boolean follow) {
        return CompletableFuture.completedFuture(new SessionOutput(offset,
                Source.single(ByteString.fromString("hello"))));
    }

    @Override
    public CompletionStage<SessionView> input(String vm, String session, byte[] bytes, boolean eof) {
        return get(vm, session);
    }

    @Override
    public CompletionStage<SessionView> signal(String vm, String session, String signal) {
        return get(vm, session);
    }

    @Override
    public CompletionStage<SessionView> remove(String vm, String session) {
        return get(vm, session);
    }

    @Override
    public CompletionStage<Attachment> attach(String vm, String session, Long offset) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("no attach in route tests"));
    }
}
