package banger.workspace;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Streams that count what passes through them, for the sizes transfers report. */
final class ByteCounts {

    private ByteCounts() {
    }

    /** Counts the bytes read. */
    static final class Input extends FilterInputStream {

        private volatile long count;

        Input(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        long count() {
            return count;
        }
    }

    /** Counts the lines of a tar -v listing that name files (not directories, which end with "/"). */
    static final class TarListing extends OutputStream {

        private long files;
        private int last = '\n';

        @Override
        public synchronized void write(int b) {
            if (b == '\n' && last != '\n' && last != '/') {
                files++;
            }
            last = b;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        synchronized long files() {
            return files;
        }
    }
}
