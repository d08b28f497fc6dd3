package banger.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.BufferOverflowException;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Turns the event feed into one subscriber's server-sent events: filtered, with the journal offset as the
 * event id, keep-alives while idle, and a bounded buffer. A subscriber that lets more than {@code bufferSize}
 * events pile up gets a final {@code overflow} event and the stream ends, so it cannot hold the feed back; it
 * resumes by reconnecting with Last-Event-ID.
 */
final class EventStream {

    static final String OVERFLOW = "overflow";

    private final EventFeed feed;
    private final ObjectMapper mapper;
    private final int bufferSize;
    private final Duration keepAlive;

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
    Source<ServerSentEvent, NotUsed> subscribe(long afterOffset, Optional<String> vm, Set<String> types) {
        return feed.after(afterOffset)
                .filter(e -> vm.map(ref -> ref.equals(e.vmId()) || ref.equals(e.vmName())).orElse(true))
                .filter(e -> types.isEmpty() || types.contains(e.type()))
                .map(this::toSse)
                .buffer(bufferSize, OverflowStrategy.fail())
                .recover(BufferOverflowException.class, this::overflow)
                .keepAlive(keepAlive, ServerSentEvent::heartbeat);
    }

    private ServerSentEvent toSse(FeedEvent e) {
        return ServerSentEvent.create(new String(ApiJson.write(mapper, e), java.nio.charset.StandardCharsets.UTF_8),
                eventName(e.type()), Long.toString(e.offset()));
    }

    private ServerSentEvent overflow() {
        Map<String, Object> data = Map.of(
                "reason", "subscriber too slow: more than " + bufferSize + " events waited to be sent;"
                        + " reconnect with Last-Event-ID set to the last id received to resume",
                "buffer", bufferSize);
        return ServerSentEvent.create(new String(ApiJson.write(mapper, data), java.nio.charset.StandardCharsets.UTF_8),
                OVERFLOW);
    }

    /** An SSE event name is one line; a journal type never holds line breaks, but never let one split a frame. */
    private static String eventName(String type) {
        return type == null || type.isEmpty() ? "message" : type.replaceAll("[\\r\\n]", "_");
    }
}
