package banger.guest;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

/** Keeps the first {@code limit} bytes written and drops the rest: stderr of a long transfer stays small. */
final class BoundedBuffer extends OutputStream {

    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final int limit;

    BoundedBuffer(int limit) {
        this.limit = limit;
    }

    @Override
    public synchronized void write(int b) {
        if (kept.size() < limit) {
            kept.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int room = Math.min(len, limit - kept.size());
        if (room > 0) {
            kept.write(b, off, room);
        }
    }

    synchronized byte[] bytes() {
        return kept.toByteArray();
    }
}
