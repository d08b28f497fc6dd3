package banger.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SqliteDatabaseTest {

    private static final Path STATE_DIR = TestDatabases.newStateDir();
    private static final ActorTestKit testKit =
            ActorTestKit.create("SqliteDatabaseTest", TestDatabases.configFor(STATE_DIR, ""));

    @AfterAll
    static void shutDown() {
        testKit.shutdownTestKit();
        TestDatabases.deleteRecursively(STATE_DIR);
    }

    @Test
    void openingCreatesMissingDirectoriesAndTheSchema() throws Exception {
        Path file = STATE_DIR.resolve("nested/dirs/fresh.db");

        SqliteDatabase database = SqliteDatabases.get(testKit.system()).database(file);
        long rows = database.read(connection -> count(connection.prepareStatement(
                "SELECT COUNT(*) FROM journal")), ForkJoinPool.commonPool()).get(5, TimeUnit.SECONDS);

        assertTrue(Files.isRegularFile(file));
        assertEquals(0L, rows);
    }

    @Test
    void theSameFileIsSharedWithinASystemButNotAcrossSystems() {
        Path file = STATE_DIR.resolve("shared.db");
        ActorTestKit other = ActorTestKit.create("SqliteDatabaseTestOther", TestDatabases.configFor(STATE_DIR, ""));
        try {
            SqliteDatabase first = SqliteDatabases.get(testKit.system()).database(file);

            assertSame(first, SqliteDatabases.get(testKit.system()).database(STATE_DIR.resolve("./shared.db")));
            assertNotSame(first, SqliteDatabases.get(other.system()).database(file));
        } finally {
            other.shutdownTestKit();
        }
    }

    @Test
    void aFailingWriteGroupedWithOthersFailsOnlyItself() throws Exception {
        SqliteDatabase database = SqliteDatabases.get(testKit.system()).database(STATE_DIR.resolve("groups.db"));
        CountDownLatch queued = new CountDownLatch(1);
        // holds the writer so the next three are queued and committed as one group
        CompletableFuture<Void> blocker = database.write(connection -> {
            awaitQuietly(queued);
            return null;
        });
        CompletableFuture<Void> before = database.write(connection -> insertSnapshotRow(connection, "before"));
        CompletableFuture<Void> failing = database.write(connection -> {
            throw new SQLException("this task fails");
        });
        CompletableFuture<Void> after = database.write(connection -> insertSnapshotRow(connection, "after"));
        queued.countDown();

        blocker.get(5, TimeUnit.SECONDS);
        before.get(5, TimeUnit.SECONDS);
        after.get(5, TimeUnit.SECONDS);
        ExecutionException failure = assertThrows(ExecutionException.class, () -> failing.get(5, TimeUnit.SECONDS));
        assertInstanceOf(SQLException.class, failure.getCause());
        long rows = database.read(connection -> count(connection.prepareStatement(
                "SELECT COUNT(*) FROM snapshot")), ForkJoinPool.commonPool()).get(5, TimeUnit.SECONDS);
        assertEquals(2L, rows);
    }

    @Test
    void aCommitWakesWaitersAndWithoutOneTheyTimeOut() throws Exception {
        SqliteDatabase database = SqliteDatabases.get(testKit.system()).database(STATE_DIR.resolve("signal.db"));
        long seen = database.commitCount();
        CompletableFuture<Void> woken = database.awaitCommitAfter(seen, Duration.ofMinutes(1)).toCompletableFuture();

        database.write(connection -> insertSnapshotRow(connection, "wake"));

        woken.get(5, TimeUnit.SECONDS);
        long start = System.nanoTime();
        database.awaitCommitAfter(database.commitCount(), Duration.ofMillis(200))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(150));
    }

    @Test
    void aTerminatedSystemClosesItsDatabases() throws Exception {
        ActorTestKit shortLived = ActorTestKit.create("SqliteDatabaseTestShort", TestDatabases.configFor(STATE_DIR, ""));
        SqliteDatabase database = SqliteDatabases.get(shortLived.system()).database(STATE_DIR.resolve("closing.db"));
        database.write(connection -> insertSnapshotRow(connection, "before-close")).get(5, TimeUnit.SECONDS);

        shortLived.shutdownTestKit();

        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> database.write(connection -> insertSnapshotRow(connection, "after-close")).get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, failure.getCause());
    }

    private static Void insertSnapshotRow(java.sql.Connection connection, String persistenceId) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO snapshot (persistence_id, sequence_nr, created, ser_id, ser_manifest, payload)"
                        + " VALUES (?, 1, 0, 0, '', x'00')")) {
            insert.setString(1, persistenceId);
            insert.executeUpdate();
        }
        return null;
    }

    private static long count(PreparedStatement query) throws SQLException {
        try (query; ResultSet rows = query.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
