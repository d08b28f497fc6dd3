package banger.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Watches a console log for a line, reading only what was appended since the last look (never the whole file
 * again). When the log shrank, it was rotated: the rest of the previous file, now {@code NAME.1}, is read first.
 * One watcher per wait; not thread-safe.
 */
final class ConsoleLineWatch {

    private final Path file;
    private final String line;
    private long position;
    private final StringBuilder partial = new StringBuilder();

    ConsoleLineWatch(Path file, String line) {
        this.file = file;
        this.line = line;
    }

    /** True once a whole line equal to the watched one (surrounding blanks ignored) has been appended. */
    boolean seen() {
        long size = size(file);
        if (size < position) {
            Path previous = file.resolveSibling(file.getFileName() + ".1");
            if (scan(previous, position)) {
                return true;
            }
            position = 0;
        }
        return scan(file, position);
    }

    private boolean scan(Path log, long from) {
        if (!Files.exists(log)) {
            return false;
        }
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long end = f.length();
            if (end <= from) {
                return false;
            }
            byte[] appended = new byte[(int) Math.min(end - from, 1 << 20)];
            f.seek(from);
            f.readFully(appended);
            if (log.equals(file)) {
                position = from + appended.length;
            }
            for (byte b : appended) {
                if (b == '\n') {
                    if (partial.toString().strip().equals(line)) {
                        return true;
                    }
                    partial.setLength(0);
                } else if (partial.length() <= line.length() + 64) {
                    // longer lines cannot match; keep only a bounded prefix of them
                    partial.append((char) (b & 0xff));
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static long size(Path log) {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
