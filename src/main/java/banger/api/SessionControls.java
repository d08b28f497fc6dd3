package banger.api;

import banger.session.SessionControl;
import banger.session.SessionView;
import banger.session.StartSessionRequest;
import banger.core.Rejected;
import banger.core.Rejection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Session control for an API built without sessions (tests of other routes): every call answers 503. */
final class SessionControls {

    static final SessionControl NONE = new SessionControl() {
        @Override
        public CompletionStage<SessionView> start(String vm, StartSessionRequest request) {
            return unavailable();
        }

        @Override
        public CompletionStage<List<SessionView>> list(String vm) {
            return unavailable();
        }

        @Override
        public CompletionStage<SessionView> get(String vm, String session) {
            return unavailable();
        }

        @Override
        public CompletionStage<SessionOutput> output(String vm, String session, long offset, boolean follow) {
            return unavailable();
        }

        @Override
        public CompletionStage<SessionView> input(String vm, String session, byte[] bytes, boolean eof) {
            return unavailable();
        }

        @Override
        public CompletionStage<SessionView> signal(String vm, String session, String signal) {
            return unavailable();
        }

        @Override
        public CompletionStage<SessionView> remove(String vm, String session) {
            return unavailable();
        }

        @Override
        public CompletionStage<Attachment> attach(String vm, String session, Long offset) {
            return unavailable();
        }
    };

    private SessionControls() {
    }

    private static <T> CompletionStage<T> unavailable() {
        return CompletableFuture.failedFuture(new Rejected(Rejection.Reason.UNAVAILABLE,
                "this daemon serves no guest sessions"));
    }
}
