package banger.image;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One image build running off the registry's actor: runs the work on an executor, forwards its progress to
 * whoever asked (at once when the phase or the layer count changes or another hundredth of the bytes (1 MiB while
 * the total is unknown) came in, else at most every {@link #PROGRESS_INTERVAL_NANOS}), and cancels it by flag and
 * by interrupting its thread (which ends any process or socket wait).
 */
final class CancellableBuild implements BuildListener {

    private static final long PROGRESS_INTERVAL_NANOS = 200_000_000L;

    private final ActorRef<BuildProgress> progressTo;
    private volatile boolean cancelled;
    private Thread runner;
    private final java.util.List<java.io.Closeable> closeOnCancel = new java.util.ArrayList<>();
    private BuildProgress lastSent;
    private long lastSentAt;

    /** @param progressTo told the build's progress; null for nobody */
    CancellableBuild(ActorRef<BuildProgress> progressTo) {
        this.progressTo = progressTo;
    }

    CompletableFuture<Image> run(Function<BuildListener, Image> work, Executor executor) {
        return CompletableFuture.supplyAsync(() -> {
            synchronized (this) {
                runner = Thread.currentThread();
            }
            try {
                checkCancelled();
                return work.apply(this);
            } finally {
                synchronized (this) {
                    runner = null;
                    // a cancel that came as the work ended must not interrupt the pool's next task
                    Thread.interrupted();
                }
            }
        }, executor);
    }

    void cancel() {
        cancelled = true;
        synchronized (this) {
            if (runner != null) {
                runner.interrupt();
            }
            closeOnCancel.forEach(CancellableBuild::closeQuietly);
            closeOnCancel.clear();
        }
    }

    @Override
    public synchronized <T extends java.io.Closeable> T closeOnCancel(T resource) {
        if (cancelled) {
            closeQuietly(resource);
        } else {
            closeOnCancel.add(resource);
        }
        return resource;
    }

    private static void closeQuietly(java.io.Closeable resource) {
        try {
            resource.close();
        } catch (java.io.IOException | RuntimeException ignored) {
            // the build's read fails either way, and the build ends as cancelled
        }
    }

    @Override
    public boolean cancelled() {
        return cancelled;
    }

    @Override
    public void progress(BuildProgress progress) {
        if (progressTo == null) {
            return;
        }
        long now = System.nanoTime();
        long byteStep = progress.bytesTotal() > 0 ? Math.max(1, progress.bytesTotal() / 100) : 1 << 20;
        boolean step = lastSent == null || !lastSent.phase().equals(progress.phase())
                || lastSent.layersDone() != progress.layersDone()
                || Math.abs(progress.bytesDone() - lastSent.bytesDone()) >= byteStep;
        if (step || now - lastSentAt >= PROGRESS_INTERVAL_NANOS) {
            lastSent = progress;
            lastSentAt = now;
            progressTo.tell(progress);
        }
    }
}
