package banger.image.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds reads of download streams: a stream that delivers no byte for the stall timeout is closed, which
 * ends the blocked read with an IOException. java.net.http bounds only the wait for response headers, so
 * without this a registry that stops sending mid-blob would hang a pull forever.
 */
final class StallGuard implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "banger-registry-stall-guard");
        t.setDaemon(true);
        return t;
    });
    private final Duration stall;

    StallGuard(Duration stall) {
        this.stall = stall;
    }

    InputStream guard(InputStream in, String what) {
        return new Guarded(in, what);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private final class Guarded extends FilterInputStream {

        private final String what;
        private final ScheduledFuture<?> check;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean stalled;

        Guarded(InputStream in, String what) {
            super(in);
            this.what = what;
            long period = Math.max(50, stall.toMillis() / 4);
            this.check = timer.scheduleAtFixedRate(this::checkProgress, period, period, TimeUnit.MILLISECONDS);
        }

        private void checkProgress() {
            if (System.nanoTime() - lastProgress > stall.toNanos()) {
                stalled = true;
                check.cancel(false);
                try {
                    in.close();
                } catch (IOException ignored) {
                    // the reader sees the stream end or fail either way
                }
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                throw stalled ? stalledError() : e;
            }
            if (stalled) {
                throw stalledError();
            }
            lastProgress = System.nanoTime();
            return n;
        }

        private IOException stalledError() {
            return new IOException(what + " sent nothing for " + stall.toSeconds() + " s; download abandoned");
        }

        @Override
        public void close() throws IOException {
            check.cancel(false);
            super.close();
        }
    }
}
