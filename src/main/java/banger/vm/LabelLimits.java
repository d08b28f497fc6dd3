package banger.vm;

import banger.core.Rejected;
import banger.core.Rejection;
import java.util.Map;

/**
 * Bounds on a VM's labels as a whole, checked on the merged result of a change: every change journals the
 * whole map, so an unbounded map would make each later change (and every replay) costlier.
 */
public final class LabelLimits {

    public static final int MAX_LABELS = 64;
    /** Keys and values together, in UTF-16 chars. */
    public static final int MAX_TOTAL_CHARS = 16 * 1024;

    private LabelLimits() {
    }

    /** Throws {@link Rejected} (INVALID, 400) when {@code labels} pass a bound. */
    public static void check(Map<String, String> labels) {
        if (labels.size() > MAX_LABELS) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, "labels: a VM may have at most " + MAX_LABELS
                    + " labels; this change would leave " + labels.size());
        }
        long total = labels.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length()).sum();
        if (total > MAX_TOTAL_CHARS) {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, "labels: keys and values may total at most "
                    + MAX_TOTAL_CHARS + " characters; this change would leave " + total);
        }
    }
}
