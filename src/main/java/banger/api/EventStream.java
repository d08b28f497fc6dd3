package banger.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.event.Logging;
import org.apache.pekko.stream.BufferOverflowException;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Turns the event feed into one subscriber's server-sent event stream: filtered, each event with the journal
 * offset as its id and its type as the event name, and a comment line as keep-alive while idle. A subscriber that
 * lets more than {@code bufferSize} events pile up gets a final {@code overflow} event and the stream ends, so it
 * cannot hold resources without bound; it resumes by reconnecting with Last-Event-ID.
 *
 * <p>The frames are written here rather than with pekko-http's EventStreamMarshalling because its heartbeat is
 * an empty line, and the API promises keep-alive comments.
 */
final class EventStream {

    static final String OVERFLOW = "overflow";
    private static final ByteString KEEP_ALIVE = ByteString.fromString(": keep-alive\n\n");

    private final EventFeed feed;
    private final ObjectMapper mapper;
    private final int bufferSize;
    private final Duration keepAlive;
    private final AtomicInteger subscribers = new AtomicInteger();

    EventStream(EventFeed feed, ObjectMapper mapper, int bufferSize, Duration keepAlive) {
        this.feed = feed;
        this.mapper = mapper;
        this.bufferSize = bufferSize;
        this.keepAlive = keepAlive;
    }

    /**
     * @param vm    keep only events of this VM (id or name), if present
     * @param types keep only events of these types; empty keeps all
     */
    Source<ByteString, NotUsed> subscribe(long afterOffset, Optional<String> vm, Set<String> types) {
        return feed.after(afterOffset)
                .filter(e -> vm.map(ref -> ref.equals(e.vmId()) || ref.equals(e.vmName())).orElse(true))
                .filter(e -> types.isEmpty() || types.contains(e.type()))
                .map(e -> frame(Long.toString(e.offset()), e.type(), json(e)))
                // a full buffer is the expected fate of a stalled client, not an error worth a log line
                .buffer(bufferSize, OverflowStrategy.fail().withLogLevel(Logging.DebugLevel()))
                .recover(BufferOverflowException.class, this::overflow)
                .keepAlive(keepAlive, () -> KEEP_ALIVE)
                .watchTermination((notUsed, done) -> {
                    subscribers.incrementAndGet();
                    done.whenComplete((d, failure) -> subscribers.decrementAndGet());
                    return notUsed;
                });
    }

    /** Event streams being served now. */
    int subscribers() {
        return subscribers.get();
    }

    private ByteString overflow() {
        Map<String, Object> data = Map.of(
                "reason", "subscriber too slow: more than " + bufferSize + " events waited to be sent;"
                        + " reconnect with Last-Event-ID set to the last id received to resume",
                "buffer", bufferSize);
        return frame(null, OVERFLOW, json(data));
    }

    private String json(Object value) {
        return new String(ApiJson.write(mapper, value), StandardCharsets.UTF_8);
    }

    /** One SSE frame; every line of {@code data} becomes a data line, and id and event are kept to one line. */
    static ByteString frame(String id, String event, String data) {
        StringBuilder frame = new StringBuilder(data.length() + 64);
        if (id != null) {
            frame.append("id: ").append(oneLine(id)).append('\n');
        }
        if (event != null && !event.isEmpty()) {
            frame.append("event: ").append(oneLine(event)).append('\n');
        }
        for (String line : data.split("\r\n|\r|\n", -1)) {
            frame.append("data: ").append(line).append('\n');
        }
        return ByteString.fromString(frame.append('\n').toString());
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]", "_");
    }
}
