package banger.vm;

import java.time.Instant;
import java.util.Map;

/** One event of a VM's journal as the API shows it. */
public record HistoryEntry(long seq, String type, Instant at, Map<String, Object> data) {
}
