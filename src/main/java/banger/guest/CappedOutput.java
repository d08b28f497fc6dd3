package banger.guest;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

/**
 * Keeps at most {@code limit} bytes of a command's output; the first write past the limit keeps what still
 * fits, marks the output truncated and runs {@code onOverflow} once (which ends the command: reading output
 * nobody will see would cost the guest and the host for as long as the command runs).
 */
final class CappedOutput extends OutputStream {

    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final long limit;
    private final Runnable onOverflow;
    private boolean truncated;

    CappedOutput(long limit, Runnable onOverflow) {
        this.limit = limit;
        this.onOverflow = onOverflow;
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        boolean overflowNow;
        synchronized (this) {
            if (truncated) {
                return;
            }
            long room = limit - kept.size();
            kept.write(b, off, (int) Math.min(len, room));
            overflowNow = len > room;
            truncated = overflowNow;
        }
        if (overflowNow) {
            onOverflow.run();
        }
    }

    synchronized byte[] bytes() {
        return kept.toByteArray();
    }

    synchronized boolean truncated() {
        return truncated;
    }
}
