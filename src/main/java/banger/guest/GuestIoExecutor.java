package banger.guest;

import banger.core.Rejected;
import banger.core.Rejection;
import com.typesafe.config.Config;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where guest commands (exec over SSH) block: a fixed pool of its own with a bounded queue, so long or
 * numerous guest commands never take the threads that persistence, disks and processes need. When the
 * queue is full, a command is refused with 429 at once.
 */
public final class GuestIoExecutor implements Executor, AutoCloseable {

    private final ThreadPoolExecutor pool;

    /** @param threads commands running at once (config banger.exec.threads); queue: waiting (banger.exec.queue) */
    public GuestIoExecutor(int threads, int queue) {
        if (threads < 1 || queue < 1) {
            throw new IllegalArgumentException("banger.exec.threads and banger.exec.queue must be at least 1");
        }
        AtomicInteger count = new AtomicInteger();
        pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread thread = new Thread(r, "banger-guest-io-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }, (task, executor) -> {
            throw new Rejected(Rejection.Reason.TOO_MANY_REQUESTS, (threads + queue)
                    + " guest commands are running or waiting; retry when some have finished");
        });
        pool.allowCoreThreadTimeOut(true);
    }

    /** From {@code banger.exec.threads} and {@code banger.exec.queue} of the daemon's whole config. */
    public static GuestIoExecutor fromConfig(Config config) {
        return new GuestIoExecutor(config.getInt("banger.exec.threads"), config.getInt("banger.exec.queue"));
    }

    @Override
    public void execute(Runnable command) {
        pool.execute(command);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
