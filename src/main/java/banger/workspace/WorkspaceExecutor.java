package banger.workspace;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads guest transfers block on, apart from the daemon's other blocking work: a long import never
 * starves a VM's start or stop of threads. Bounded: past {@code threads} running and {@code queue} waiting,
 * a transfer is refused at once (RejectedExecutionException).
 */
public final class WorkspaceExecutor {

    private WorkspaceExecutor() {
    }

    public static ThreadPoolExecutor create(WorkspaceSettings settings) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "banger-workspace-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ThreadPoolExecutor executor = new ThreadPoolExecutor(settings.threads(), settings.threads(), 60,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(settings.queue()), threads, new ThreadPoolExecutor.AbortPolicy());
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
