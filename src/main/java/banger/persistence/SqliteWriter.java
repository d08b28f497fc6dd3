package banger.persistence;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection that writes a database, driven by one dedicated thread. Work submitted while a
 * transaction is in flight is committed together in the next one (group commit: one fsync for many
 * persistent actors). If a group fails, each of its tasks is retried in a transaction of its own so one bad
 * task fails only itself. {@code BEGIN IMMEDIATE} takes the write lock up front, so a transaction never
 * turns into SQLITE_BUSY_SNAPSHOT half-way.
 */
final class SqliteWriter {

    private static final Logger log = LoggerFactory.getLogger(SqliteWriter.class);
    private static final int MAX_GROUP = 512;

    private record Task<T>(SqlWork<T> work, CompletableFuture<T> result) {
    }

    private static final Task<Void> STOP = new Task<>(c -> null, new CompletableFuture<>());

    private final Connection connection;
    private final Runnable afterCommit;
    private final LinkedBlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    /** Takes ownership of {@code connection}; {@code afterCommit} runs on the writer thread after each commit. */
    SqliteWriter(Connection connection, String name, Runnable afterCommit) {
        this.connection = connection;
        this.afterCommit = afterCommit;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    <T> CompletableFuture<T> submit(SqlWork<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("the SQLite writer is closed"));
        } else {
            queue.add(new Task<>(work, result));
            if (!thread.isAlive()) {
                failPending();
            }
        }
        return result;
    }

    /** Finishes the work already queued, fails anything later, and closes the connection. */
    void close() {
        closed = true;
        queue.add(STOP);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            List<Task<?>> group = new ArrayList<>();
            boolean stopping = false;
            while (!stopping) {
                group.add(queue.take());
                queue.drainTo(group, MAX_GROUP - 1);
                stopping = group.remove(STOP);
                if (!group.isEmpty() && !commit(group)) {
                    for (Task<?> task : group) {
                        commit(List.of(task));
                    }
                }
                group.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failPending();
            try {
                connection.close();
            } catch (SQLException e) {
                log.warn("closing the SQLite writer connection failed", e);
            }
        }
    }

    /**
     * Runs the group in one transaction. Returns false, having rolled back and completed nothing, when a group
     * of several fails; a single task's failure completes that task exceptionally.
     */
    private boolean commit(List<Task<?>> group) {
        List<Object> results = new ArrayList<>(group.size());
        try (Statement statement = connection.createStatement()) {
            statement.execute("BEGIN IMMEDIATE");
            try {
                for (Task<?> task : group) {
                    results.add(task.work().apply(connection));
                }
                statement.execute("COMMIT");
            } catch (Exception e) {
                rollback(statement);
                throw e;
            }
        } catch (Exception e) {
            // any exception, declared or not, must fail only the work, never the writer thread
            if (group.size() > 1) {
                return false;
            }
            group.get(0).result().completeExceptionally(e);
            return true;
        }
        afterCommit.run();
        for (int i = 0; i < group.size(); i++) {
            complete(group.get(i), results.get(i));
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Task<T> task, Object result) {
        task.result().complete((T) result);
    }

    private static void rollback(Statement statement) {
        try {
            statement.execute("ROLLBACK");
        } catch (SQLException e) {
            log.warn("rolling back a SQLite transaction failed", e);
        }
    }

    private void failPending() {
        List<Task<?>> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (Task<?> task : rest) {
            task.result().completeExceptionally(new IllegalStateException("the SQLite writer is closed"));
        }
    }
}
