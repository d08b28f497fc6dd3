package banger.workspace;

import banger.core.Rejected;
import banger.core.Rejection;

/** Guest paths from requests: absolute and plain (no "." or ".." segments), so they mean what they say. */
public final class GuestPaths {

    private static final int MAX_LENGTH = 4096;

    private GuestPaths() {
    }

    /** {@code value} as an absolute guest path without a trailing slash, or INVALID naming {@code field}. */
    public static String absolute(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw invalid(field, "is required (an absolute guest path)");
        }
        if (!value.startsWith("/")) {
            throw invalid(field, "must be an absolute guest path, got \"" + value + "\"");
        }
        if (value.length() > MAX_LENGTH || value.indexOf('\0') >= 0 || value.contains("\n")) {
            throw invalid(field, "is not a usable path");
        }
        String trimmed = value.length() > 1 && value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        for (String segment : trimmed.substring(1).split("/", -1)) {
            if (trimmed.length() > 1 && (segment.isEmpty() || segment.equals(".") || segment.equals(".."))) {
                throw invalid(field, "must not contain empty, \".\" or \"..\" segments: \"" + value + "\"");
            }
        }
        return trimmed;
    }

    /** As {@link #absolute}, and not the root directory (something is written or replaced there). */
    public static String belowRoot(String field, String value) {
        String path = absolute(field, value);
        if (path.equals("/")) {
            throw invalid(field, "cannot be / itself");
        }
        return path;
    }

    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** A sibling of {@code path} for staging a replacement: hidden, unique enough, made from no user text. */
    static String staging(String path, String kind) {
        String parent = parent(path);
        String random = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
        return (parent.equals("/") ? "" : parent) + "/." + name(path) + ".banger-" + kind + "-" + random;
    }

    private static Rejected invalid(String field, String message) {
        return new Rejected(Rejection.Reason.INVALID_REQUEST, field + " " + message);
    }
}
