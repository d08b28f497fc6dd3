package banger.persistence;

import banger.fault.CrashPoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import com.typesafe.config.Config;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * Pekko journal plugin on the SQLite file at {@code db-path}. Events are serialised on the journal actor,
 * written by the database's single writer thread (one transaction per AtomicWrite at least, grouped with
 * concurrent ones), and read back on reader connections on the plugin dispatcher. Tags from
 * {@link Tagged} go to the {@code event_tag} table that eventsByTag reads.
 */
public final class SqliteJournal extends AsyncWriteJournal {

    private final SqliteDatabase database;
    private final PayloadSerializer serializer;
    private final Executor readExecutor;

    public SqliteJournal(Config config) {
        ExtendedActorSystem system = (ExtendedActorSystem) context().system();
        this.database = SqliteDatabases.get(system).database(Path.of(config.getString("db-path")));
        this.serializer = new PayloadSerializer(system);
        this.readExecutor = context().dispatcher();
    }

    @Override
    public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
        List<Optional<Exception>> results = new ArrayList<>();
        List<JournalRow> rows = new ArrayList<>();
        List<String> eventTypes = new ArrayList<>();
        for (AtomicWrite write : messages) {
            try {
                rows.addAll(toRows(write, eventTypes));
                results.add(Optional.empty());
            } catch (Exception e) {
                // rejects only this AtomicWrite: the others are still written
                results.add(Optional.of(e));
            }
        }
        Iterable<Optional<Exception>> outcome = results;
        if (rows.isEmpty()) {
            return Future.successful(outcome);
        }
        return FutureConverters.asScala(database.write(connection -> {
            JournalStatements.insert(connection, rows);
            return outcome;
        }).thenApply(written -> {
            eventTypes.forEach(type -> CrashPoints.reached("journal:" + type));
            return written;
        }));
    }

    @Override
    public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
        return FutureConverters.asScala(
                database.write(connection -> JournalStatements.deleteTo(connection, persistenceId, toSequenceNr)));
    }

    @Override
    public Future<Void> doAsyncReplayMessages(String persistenceId, long fromSequenceNr, long toSequenceNr,
                                              long max, Consumer<PersistentRepr> replayCallback) {
        if (max <= 0 || fromSequenceNr > toSequenceNr) {
            return Future.successful(null);
        }
        CompletableFuture<Void> replay = database.read(
                connection -> JournalStatements.replay(connection, persistenceId, fromSequenceNr, toSequenceNr, max,
                        event -> replayCallback.accept(toRepr(event))),
                readExecutor);
        return FutureConverters.asScala(replay);
    }

    @Override
    public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
        return FutureConverters.asScala(database.read(
                connection -> JournalStatements.highestSequenceNr(connection, persistenceId, fromSequenceNr),
                readExecutor));
    }

    private List<JournalRow> toRows(AtomicWrite write, List<String> eventTypes) {
        List<JournalRow> rows = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (PersistentRepr repr : CollectionConverters.asJava(write.payload())) {
            Object event = repr.payload();
            Set<String> tags = Set.of();
            if (event instanceof Tagged tagged) {
                event = tagged.payload();
                tags = CollectionConverters.asJava(tagged.tags());
            }
            eventTypes.add(event.getClass().getSimpleName());
            rows.add(new JournalRow(
                    repr.persistenceId(),
                    repr.sequenceNr(),
                    repr.writerUuid(),
                    repr.timestamp() > 0 ? repr.timestamp() : now,
                    repr.manifest(),
                    serializer.serialize(event),
                    tags));
        }
        return rows;
    }

    private PersistentRepr toRepr(StoredEvent event) {
        return PersistentRepr.apply(
                        serializer.deserialize(event.payload()),
                        event.sequenceNr(),
                        event.persistenceId(),
                        event.eventManifest(),
                        false,
                        ActorRef.noSender(),
                        event.writerUuid())
                .withTimestamp(event.writeTimestamp());
    }
}
