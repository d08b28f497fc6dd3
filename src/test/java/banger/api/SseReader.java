package banger.api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Reads server-sent events frame by frame from a response body, with a timeout on each wait. */
final class SseReader implements AutoCloseable {

    /** One frame: an event (id, event, data) or, when all are null, a keep-alive; {@code comment} holds ':' lines. */
    record Frame(String id, String event, String data, String comment) {
    }

    private final InputStream body;
    private final BufferedReader reader;

    SseReader(InputStream body) {
        this.body = body;
        this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /** The next frame, or null at the end of the stream. */
    Frame next(long timeoutMillis) throws Exception {
        return CompletableFuture.supplyAsync(this::readFrame).get(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** The next {@code n} frames that are events, skipping keep-alives. */
    List<Frame> events(int n, long timeoutMillis) throws Exception {
        List<Frame> frames = new ArrayList<>();
        while (frames.size() < n) {
            Frame f = next(timeoutMillis);
            if (f == null) {
                break;
            }
            if (f.data() != null) {
                frames.add(f);
            }
        }
        return frames;
    }

    private Frame readFrame() {
        try {
            String id = null;
            String event = null;
            StringBuilder data = null;
            StringBuilder comment = null;
            boolean any = false;
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    return new Frame(id, event, data == null ? null : data.toString(),
                            comment == null ? null : comment.toString());
                }
                any = true;
                if (line.startsWith(":")) {
                    comment = (comment == null ? new StringBuilder() : comment.append('\n')).append(line.substring(1));
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    String d = line.substring(5);
                    d = d.startsWith(" ") ? d.substring(1) : d;
                    data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
                }
            }
            return any ? new Frame(id, event, data == null ? null : data.toString(), null) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
