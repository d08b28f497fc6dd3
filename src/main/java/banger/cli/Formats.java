package banger.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Short human forms of sizes, ages and label sets for tables. */
final class Formats {

    private Formats() {
    }

    /** 512 -> "512M", 2048 -> "2G", 1536 -> "1.5G". */
    static String mib(long mib) {
        if (mib < 1024) {
            return mib + "M";
        }
        return decimal(mib / 1024.0) + "G";
    }

    /** A byte count in the largest unit that keeps it at or above 1: "900B", "12K", "1.5G". */
    static String bytes(long bytes) {
        String[] units = {"B", "K", "M", "G", "T"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return (unit == 0 ? String.valueOf(bytes) : decimal(value)) + units[unit];
    }

    /** How long ago, in the largest whole unit: "45s", "3m", "5h", "12d". */
    static String age(Instant then, Instant now) {
        if (then == null) {
            return "-";
        }
        long seconds = Math.max(0, Duration.between(then, now).toSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m";
        }
        if (seconds < 86400) {
            return seconds / 3600 + "h";
        }
        return seconds / 86400 + "d";
    }

    /** An elapsed time for progress lines: "0.4s", "12s", "3m05s". */
    static String duration(Duration elapsed) {
        long millis = elapsed.toMillis();
        if (millis < 10_000) {
            return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long seconds = elapsed.toSeconds();
        if (seconds < 60) {
            return seconds + "s";
        }
        return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }

    /** "a=1,b=2" in key order, "-" when there are none. */
    static String labels(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return "-";
        }
        return new TreeMap<>(labels).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    static String orDash(Object value) {
        return value == null || value.toString().isEmpty() ? "-" : value.toString();
    }

    private static String decimal(double value) {
        String text = String.format(Locale.ROOT, "%.1f", value);
        return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
    }
}
