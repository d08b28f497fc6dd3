package banger.vmm.console;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An append-only log that never grows past {@link ConsoleLimits#maxBytes()}: a write that would pass it fills
 * the file to the limit, the file becomes {@code NAME.1} (older ones shift to {@code NAME.2}, ... and the
 * oldest beyond {@code keepFiles} is deleted) and the rest goes to a fresh file. Not thread-safe: one writer.
 * {@link #capInPlace} does the same, after the fact, to a log another process appends to.
 */
final class RotatingLog implements AutoCloseable {

    private final Path file;
    private final ConsoleLimits limits;
    private OutputStream out;
    private long size;

    RotatingLog(Path file, ConsoleLimits limits) throws IOException {
        this.file = file;
        this.limits = limits;
        open();
    }

    void append(byte[] bytes, int offset, int length) throws IOException {
        int off = offset;
        int left = length;
        while (left > 0) {
            if (size >= limits.maxBytes()) {
                rotate();
            }
            int chunk = (int) Math.min(left, limits.maxBytes() - size);
            out.write(bytes, off, chunk);
            size += chunk;
            off += chunk;
            left -= chunk;
        }
        out.flush();
    }

    /**
     * Rotates {@code file}, which another process appends to (opened with O_APPEND, as the VMM's stdout is), once
     * it has passed the cap: its last {@code maxBytes} become {@code NAME.1} (older ones shift) and the file is
     * truncated in place, so the writer's next append lands at its start. Output written between the copy and
     * the truncation is lost. Returns whether it rotated.
     */
    static boolean capInPlace(Path file, ConsoleLimits limits) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) <= limits.maxBytes()) {
            return false;
        }
        try (FileChannel live = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (limits.keepFiles() > 0) {
                shift(file, limits.keepFiles());
                long size = live.size();
                long from = Math.max(0, size - limits.maxBytes());
                try (FileChannel copy = FileChannel.open(rotated(file, 1), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    live.transferTo(from, size - from, copy);
                }
            }
            live.truncate(0);
        }
        return true;
    }

    private void rotate() throws IOException {
        out.close();
        if (limits.keepFiles() == 0) {
            Files.deleteIfExists(file);
        } else {
            shift(file, limits.keepFiles());
            Files.move(file, rotated(file, 1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    /** Frees {@code NAME.1}: drops the oldest kept generation and moves the others one up. */
    private static void shift(Path file, int keepFiles) throws IOException {
        Files.deleteIfExists(rotated(file, keepFiles));
        for (int i = keepFiles - 1; i >= 1; i--) {
            if (Files.exists(rotated(file, i))) {
                Files.move(rotated(file, i), rotated(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.deleteIfExists(rotated(file, 1));
    }

    private static Path rotated(Path file, int generation) {
        return file.resolveSibling(file.getFileName() + "." + generation);
    }

    private void open() throws IOException {
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = Files.size(file);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
