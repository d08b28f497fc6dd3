package banger.persistence;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import com.typesafe.config.Config;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.snapshot.japi.SnapshotStore;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * Pekko snapshot store plugin on the SQLite file at {@code db-path}, sharing the journal's single writer.
 * One row per (persistence id, sequence nr); saving the same pair again replaces it.
 */
public final class SqliteSnapshotStore extends SnapshotStore {

    private final SqliteDatabase database;
    private final PayloadSerializer serializer;
    private final Executor readExecutor;

    public SqliteSnapshotStore(Config config) {
        ExtendedActorSystem system = (ExtendedActorSystem) context().system();
        this.database = SqliteDatabases.get(system).database(Path.of(config.getString("db-path")));
        this.serializer = new PayloadSerializer(system);
        this.readExecutor = context().dispatcher();
    }

    @Override
    public Future<Optional<SelectedSnapshot>> doLoadAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
        return FutureConverters.asScala(database.read(
                connection -> SnapshotStatements.loadLatest(connection, persistenceId, criteria)
                        .map(stored -> SelectedSnapshot.create(
                                stored.metadata(), serializer.deserialize(stored.payload()))),
                readExecutor));
    }

    @Override
    public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
        SerializedPayload payload;
        try {
            payload = serializer.serialize(snapshot);
        } catch (Exception e) {
            return FutureConverters.asScala(CompletableFuture.failedFuture(e));
        }
        return FutureConverters.asScala(
                database.write(connection -> SnapshotStatements.save(connection, metadata, payload)));
    }

    @Override
    public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
        return FutureConverters.asScala(database.write(connection -> SnapshotStatements.delete(connection, metadata)));
    }

    @Override
    public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
        return FutureConverters.asScala(database.write(
                connection -> SnapshotStatements.deleteMatching(connection, persistenceId, criteria)));
    }
}
