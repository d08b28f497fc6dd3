package banger.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Locale;

/** Bytes moved so far, on one stderr line rewritten at most twice a second, then a final figure. */
final class TransferProgress {

    private static final long EVERY_NANOS = 500_000_000L;

    private final PrintWriter err;
    private final String label;
    private final long started = System.nanoTime();
    private long bytes;
    private long lastShown;

    TransferProgress(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
    }

    synchronized void add(long n) {
        bytes += n;
        long now = System.nanoTime();
        if (now - lastShown > EVERY_NANOS) {
            lastShown = now;
            err.print("\r" + label + ": " + megabytes(bytes));
            err.flush();
        }
    }

    synchronized void finish() {
        double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        err.println("\r" + label + ": " + megabytes(bytes) + String.format(Locale.ROOT, " in %.1f s (%.1f MB/s)",
                seconds, bytes / 1e6 / seconds));
        err.flush();
    }

    synchronized long bytes() {
        return bytes;
    }

    /** {@code in}, counting what is read from it here. */
    InputStream counting(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    add(1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    add(n);
                }
                return n;
            }
        };
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
