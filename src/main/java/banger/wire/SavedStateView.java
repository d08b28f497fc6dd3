package banger.wire;

import java.time.Instant;

/** A suspended VM's saved memory and device state, as {@code vm show} counts it. */
public record SavedStateView(long bytes, Instant savedAt) {
}
