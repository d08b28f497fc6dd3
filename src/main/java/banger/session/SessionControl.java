package banger.session;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Guest sessions as the HTTP API sees them. {@code vm} is a VM id or name, {@code session} a session id or name.
 * Stages fail with Rejected for refusals the client caused.
 */
public interface SessionControl {

    CompletionStage<SessionView> start(String vm, StartSessionRequest request);

    CompletionStage<List<SessionView>> list(String vm);

    CompletionStage<SessionView> get(String vm, String session);

    /** The output from absolute {@code offset} (or the oldest retained byte, if later); follow streams until it ends. */
    CompletionStage<SessionOutput> output(String vm, String session, long offset, boolean follow);

    CompletionStage<SessionView> input(String vm, String session, byte[] bytes, boolean eof);

    CompletionStage<SessionView> signal(String vm, String session, String signal);

    CompletionStage<SessionView> remove(String vm, String session);

    /** Output followed from {@code offset} (null: from now on) and a stdin that stays open while attached. */
    CompletionStage<Attachment> attach(String vm, String session, Long offset);

    /** @param offset the absolute offset of the first byte of {@code bytes} */
    record SessionOutput(long offset, Source<ByteString, NotUsed> bytes) {
    }

    /** A client attached to a session: closing the input (or cancelling the output) detaches. */
    interface Attachment {
        SessionView session();

        long offset();

        Source<ByteString, NotUsed> output();

        Sink<ByteString, NotUsed> input();

        /** Resizes a tty session's terminal; does nothing for other sessions. */
        void resize(int cols, int rows);
    }
}
