package banger.persistence;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the journal from growing with entities that have ended. For every entity of a {@link CompactionRule}
 * whose final event (a VM's {@code Deleted}) is older than the rule's retention, it removes all the entity's
 * events but the final one, their tags and its snapshots; the final event stays as a tombstone at its own
 * offset, so a reader of a tag from any older offset still sees the entity end, exactly once. Beyond the
 * newest {@code maxTombstones} tombstones the oldest go too (a reader resuming from before them then never
 * hears of those entities at all). Each pass also physically removes logically deleted events (those Pekko's
 * snapshot retention deleted) but each entity's newest, which keeps its highest sequence number.
 * Work runs on the database's single writer, {@value #BATCH} entities per transaction.
 */
public final class JournalCompactor {

    private static final Logger log = LoggerFactory.getLogger(JournalCompactor.class);
    static final int BATCH = 200;

    /** What one pass removed. */
    public record Compacted(int entities, int events, int tombstones, int purged) {
        boolean nothing() {
            return entities + events + tombstones + purged == 0;
        }
    }

    private final SqliteDatabase database;
    private final CompactionRule rule;
    private final Clock clock;
    private final AtomicBoolean running = new AtomicBoolean();

    JournalCompactor(SqliteDatabase database, CompactionRule rule, Clock clock) {
        this.database = database;
        this.rule = rule;
        this.clock = clock;
    }

    /** The compactor of the journal at {@code dbPath} (banger.persistence.db-path) of {@code system}. */
    public static JournalCompactor of(ClassicActorSystemProvider system, Path dbPath, CompactionRule rule) {
        return new JournalCompactor(SqliteDatabases.get(system).database(dbPath), rule, Clock.systemUTC());
    }

    /** Runs a pass every {@code interval} until the system terminates (or the result is cancelled). */
    public Cancellable every(ClassicActorSystemProvider system, Duration interval) {
        return system.classicSystem().scheduler().scheduleWithFixedDelay(interval, interval, this::passInBackground,
                system.classicSystem().dispatcher());
    }

    /** One pass: compacts every ended entity past its retention, in batches, then the tombstones and purge. */
    public CompletionStage<Compacted> compact() {
        return compactFrom(new Compacted(0, 0, 0, 0));
    }

    private CompletionStage<Compacted> compactFrom(Compacted sofar) {
        long endedBefore = clock.millis() - rule.retention().toMillis();
        return database.write(c -> {
            List<CompactionStatements.Ended> ended = CompactionStatements.endedNotCompacted(c, rule, endedBefore, BATCH);
            int events = 0;
            for (CompactionStatements.Ended e : ended) {
                events += CompactionStatements.compact(c, e);
            }
            int purged = CompactionStatements.purgeLogicallyDeleted(c, BATCH * 10);
            int tombstones = ended.size() < BATCH ? CompactionStatements.dropOldTombstones(c, rule) : 0;
            return new Compacted(ended.size(), events, tombstones, purged);
        }).thenCompose(step -> {
            Compacted total = new Compacted(sofar.entities() + step.entities(), sofar.events() + step.events(),
                    sofar.tombstones() + step.tombstones(), sofar.purged() + step.purged());
            return step.entities() < BATCH && step.purged() < BATCH * 10
                    ? CompletableFuture.completedFuture(total) : compactFrom(total);
        });
    }

    private void passInBackground() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        compact().whenComplete((done, failure) -> {
            running.set(false);
            if (failure != null) {
                log.warn("journal compaction failed (retried next interval): {}", failure.toString());
            } else if (!done.nothing()) {
                log.info("journal compaction: {} ended entities compacted ({} events), {} old tombstones dropped, "
                        + "{} deleted events purged", done.entities(), done.events(), done.tombstones(), done.purged());
            }
        });
    }
}
