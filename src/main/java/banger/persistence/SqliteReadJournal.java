package banger.persistence;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import com.typesafe.config.Config;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByTagQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByTagQuery;
import org.apache.pekko.persistence.query.javadsl.PersistenceIdsQuery;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Java read journal over the SQLite journal. Offsets are {@code Offset.sequence(ordering)}, the journal's
 * global, durable row number: a query given an offset resumes strictly after it; {@code Offset.noOffset()}
 * starts from the beginning. Logically deleted events are not returned. Obtain it with
 * {@code PersistenceQuery.get(system).getReadJournalFor(SqliteReadJournal.class, SqliteReadJournal.IDENTIFIER)}.
 */
public final class SqliteReadJournal implements ReadJournal,
        EventsByTagQuery, CurrentEventsByTagQuery,
        EventsByPersistenceIdQuery, CurrentEventsByPersistenceIdQuery,
        PersistenceIdsQuery, CurrentPersistenceIdsQuery {

    /** The config path of this read journal, and its id for PersistenceQuery. */
    public static final String IDENTIFIER = "banger.persistence.query";

    private final SqliteDatabase database;
    private final PayloadSerializer serializer;
    private final Executor executor;
    private final Duration refreshInterval;
    private final int batchSize;

    SqliteReadJournal(ExtendedActorSystem system, Config config) {
        this.database = SqliteDatabases.get(system).database(Path.of(config.getString("db-path")));
        this.serializer = new PayloadSerializer(system);
        this.executor = system.dispatchers().lookup(config.getString("dispatcher"));
        this.refreshInterval = config.getDuration("refresh-interval");
        this.batchSize = config.getInt("batch-size");
        if (batchSize <= 0) {
            throw new IllegalArgumentException(IDENTIFIER + ".batch-size must be positive, got " + batchSize);
        }
    }

    @Override
    public Source<EventEnvelope, NotUsed> eventsByTag(String tag, Offset offset) {
        return PollingSource.live(database, orderingOf(offset), tagPages(tag), refreshInterval);
    }

    @Override
    public Source<EventEnvelope, NotUsed> currentEventsByTag(String tag, Offset offset) {
        return PollingSource.current(database, orderingOf(offset), tagPages(tag));
    }

    @Override
    public Source<EventEnvelope, NotUsed> eventsByPersistenceId(String persistenceId, long fromSequenceNr,
                                                                long toSequenceNr) {
        return PollingSource.live(database, fromSequenceNr, idPages(persistenceId, toSequenceNr), refreshInterval);
    }

    @Override
    public Source<EventEnvelope, NotUsed> currentEventsByPersistenceId(String persistenceId, long fromSequenceNr,
                                                                       long toSequenceNr) {
        return PollingSource.current(database, fromSequenceNr, idPages(persistenceId, toSequenceNr));
    }

    /** Every persistence id in the journal, then each new one as its first event is written. */
    @Override
    public Source<String, NotUsed> persistenceIds() {
        PollingSource.Fetch<Long, String> fetch = after -> read(connection -> {
            List<QueryStatements.OrderedId> rows = QueryStatements.idsAfterOrdering(connection, after, batchSize);
            long next = rows.isEmpty() ? after : rows.get(rows.size() - 1).ordering();
            List<String> ids = rows.stream().map(QueryStatements.OrderedId::persistenceId).distinct().toList();
            return new PollingSource.Page<>(next, ids, rows.size() < batchSize, false);
        });
        return PollingSource.live(database, 0L, fetch, refreshInterval)
                .statefulMapConcat(() -> {
                    Set<String> seen = new HashSet<>();
                    return id -> seen.add(id) ? List.of(id) : List.of();
                });
    }

    @Override
    public Source<String, NotUsed> currentPersistenceIds() {
        PollingSource.Fetch<String, String> fetch = after -> read(connection -> {
            List<String> ids = QueryStatements.idsAfterName(connection, after, batchSize);
            String next = ids.isEmpty() ? after : ids.get(ids.size() - 1);
            return new PollingSource.Page<>(next, ids, ids.size() < batchSize, false);
        });
        return PollingSource.current(database, "", fetch);
    }

    private PollingSource.Fetch<Long, EventEnvelope> tagPages(String tag) {
        return after -> read(connection -> {
            List<EventEnvelope> events = envelopes(QueryStatements.byTag(connection, tag, after, batchSize));
            long next = events.isEmpty() ? after : ((Sequence) events.get(events.size() - 1).offset()).value();
            return new PollingSource.Page<>(next, events, events.size() < batchSize, false);
        });
    }

    private PollingSource.Fetch<Long, EventEnvelope> idPages(String persistenceId, long toSequenceNr) {
        return from -> read(connection -> {
            if (from > toSequenceNr) {
                return new PollingSource.Page<>(from, List.<EventEnvelope>of(), true, true);
            }
            List<EventEnvelope> events = envelopes(
                    QueryStatements.byPersistenceId(connection, persistenceId, from, toSequenceNr, batchSize));
            long next = events.isEmpty() ? from : events.get(events.size() - 1).sequenceNr() + 1;
            return new PollingSource.Page<>(next, events, events.size() < batchSize, next > toSequenceNr);
        });
    }

    private <T> CompletionStage<T> read(SqlWork<T> work) {
        return database.read(work, executor);
    }

    private List<EventEnvelope> envelopes(List<StoredEvent> rows) {
        List<EventEnvelope> envelopes = new ArrayList<>(rows.size());
        for (StoredEvent row : rows) {
            envelopes.add(new EventEnvelope(
                    Offset.sequence(row.ordering()),
                    row.persistenceId(),
                    row.sequenceNr(),
                    serializer.deserialize(row.payload()),
                    row.writeTimestamp()));
        }
        return envelopes;
    }

    private static long orderingOf(Offset offset) {
        if (offset == null || offset.equals(Offset.noOffset())) {
            return 0L;
        }
        if (offset instanceof Sequence sequence) {
            return sequence.value();
        }
        throw new IllegalArgumentException(
                "the SQLite read journal takes Offset.sequence(...) or Offset.noOffset(), not " + offset);
    }
}
