package banger.persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SQLite file in WAL mode: a single {@link SqliteWriter} for every write, pooled reader connections for
 * queries, and a signal that live queries wait on so they see new rows as soon as they are committed.
 * Obtain it through {@link SqliteDatabases}, which shares one instance per file within an ActorSystem.
 */
public final class SqliteDatabase {

    private static final Logger log = LoggerFactory.getLogger(SqliteDatabase.class);
    private static final int MAX_IDLE_READERS = 8;

    private final String url;
    private final long busyTimeoutMillis;
    private final SqliteWriter writer;
    private final ConcurrentLinkedQueue<Connection> idleReaders = new ConcurrentLinkedQueue<>();
    private final AtomicLong commits = new AtomicLong();
    // each waiter with the commit count it has seen, so a commit wakes only those that have not seen it
    private final Map<CompletableFuture<Void>, Long> waiters = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private SqliteDatabase(Path file, Duration busyTimeout) throws SQLException {
        this.url = "jdbc:sqlite:" + file;
        this.busyTimeoutMillis = busyTimeout.toMillis();
        Connection connection = connect();
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA journal_mode = WAL");
            // FULL: a commit the journal acknowledged survives power loss; group commit pays for the fsync
            statement.execute("PRAGMA synchronous = FULL");
            Schema.create(connection);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        this.writer = new SqliteWriter(connection, "banger-sqlite-writer " + file.getFileName(), this::committed);
    }

    /** Creates the parent directories and the schema if missing. */
    static SqliteDatabase open(Path file, Duration busyTimeout) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new SqliteDatabase(file, busyTimeout);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of " + file, e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open SQLite database " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code work} inside a write transaction on the writer thread; completes after the commit. */
    <T> CompletableFuture<T> write(SqlWork<T> work) {
        return writer.submit(work);
    }

    /** Runs {@code work} on a reader connection, on {@code executor} (a dispatcher meant for blocking). */
    <T> CompletableFuture<T> read(SqlWork<T> work, Executor executor) {
        CompletableFuture<T> result = new CompletableFuture<>();
        executor.execute(() -> {
            Connection connection = null;
            try {
                connection = borrowReader();
                result.complete(work.apply(connection));
                returnReader(connection);
            } catch (SQLException e) {
                // the connection may be broken: do not pool it
                closeQuietly(connection);
                result.completeExceptionally(e);
            } catch (Exception e) {
                // includes checked exceptions Scala code throws undeclared (e.g. from deserialisation)
                if (connection != null) {
                    returnReader(connection);
                }
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** How many write transactions have committed; read it before a query to wait for later writes. */
    long commitCount() {
        return commits.get();
    }

    /**
     * Completes when a transaction commits after {@code seenCommits} was read, or after {@code max} at the
     * latest (so a missed signal costs at most one refresh interval).
     */
    CompletionStage<Void> awaitCommitAfter(long seenCommits, Duration max) {
        CompletableFuture<Void> waiter = new CompletableFuture<>();
        waiters.put(waiter, seenCommits);
        waiter.whenComplete((ignored, error) -> waiters.remove(waiter));
        if (commits.get() != seenCommits || closed) {
            waiter.complete(null);
        } else {
            waiter.completeOnTimeout(null, max.toMillis(), TimeUnit.MILLISECONDS);
        }
        return waiter;
    }

    void close() {
        closed = true;
        writer.close();
        Connection connection;
        while ((connection = idleReaders.poll()) != null) {
            closeQuietly(connection);
        }
        waiters.keySet().forEach(waiter -> waiter.complete(null));
    }

    private void committed() {
        long now = commits.incrementAndGet();
        waiters.forEach((waiter, seen) -> {
            if (seen < now) {
                waiter.complete(null);
            }
        });
    }

    private Connection borrowReader() {
        if (closed) {
            throw new IllegalStateException("the SQLite database " + url + " is closed");
        }
        Connection connection = idleReaders.poll();
        if (connection != null) {
            return connection;
        }
        try {
            connection = connect();
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA query_only = 1");
            }
            return connection;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open a reader on " + url + ": " + e.getMessage(), e);
        }
    }

    private void returnReader(Connection connection) {
        if (closed || idleReaders.size() >= MAX_IDLE_READERS) {
            closeQuietly(connection);
        } else {
            idleReaders.offer(connection);
        }
    }

    private Connection connect() throws SQLException {
        Connection connection = DriverManager.getConnection(url);
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA busy_timeout = " + busyTimeoutMillis);
        }
        return connection;
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("closing a SQLite reader connection failed", e);
        }
    }
}
