package banger.vm;

import java.util.Locale;

/** What a VM's expiry does to it: stop it, delete it, or suspend it to disk (a start resumes it). */
public enum ExpiryAction {
    STOP, DELETE, SUSPEND;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The action named {@code text}, or null for null. */
    public static ExpiryAction fromWire(String text) {
        if (text == null) {
            return null;
        }
        for (ExpiryAction a : values()) {
            if (a.wireName().equals(text)) {
                return a;
            }
        }
        throw new IllegalArgumentException(text);
    }
}
