package banger.wire;

import java.time.Instant;
import java.util.Map;

/** One event of a VM's journal as the API shows it: its sequence number, type, time and fields. */
public record HistoryEntry(long seq, String type, Instant at, Map<String, Object> data) {
}
