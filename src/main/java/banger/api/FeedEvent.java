package banger.api;

import java.time.Instant;
import java.util.Map;

/** One journal event as the event stream shows it; {@code offset} is what clients resume from. */
public record FeedEvent(long offset, String vmId, String vmName, String type, Instant at, Map<String, Object> data) {
}
