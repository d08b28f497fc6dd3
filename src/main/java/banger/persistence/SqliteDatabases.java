package banger.persistence;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * The open SQLite databases of one ActorSystem, keyed by file, so the journal, snapshot store and read
 * journal on the same file share its single writer. Per system (not static): several systems in one JVM each
 * get their own. Everything is closed when the system terminates.
 */
public final class SqliteDatabases implements Extension {

    public static final Id ID = new Id();

    /** The extension's id, as Pekko's extension mechanism wants it. */
    public static final class Id extends AbstractExtensionId<SqliteDatabases> implements ExtensionIdProvider {
        private Id() {
        }

        @Override
        public SqliteDatabases createExtension(ExtendedActorSystem system) {
            return new SqliteDatabases(system);
        }

        @Override
        public Id lookup() {
            return ID;
        }
    }

    /** Takes a classic or a typed ActorSystem. */
    public static SqliteDatabases get(ClassicActorSystemProvider system) {
        return ID.get(system.classicSystem());
    }

    private final Duration busyTimeout;
    private final ConcurrentHashMap<Path, SqliteDatabase> open = new ConcurrentHashMap<>();
    private volatile boolean terminated;

    private SqliteDatabases(ExtendedActorSystem system) {
        this.busyTimeout = system.settings().config().getDuration("banger.persistence.busy-timeout");
        system.registerOnTermination(this::closeAll);
    }

    /** The database at {@code file}, opened (directories and schema created) on first use. */
    public SqliteDatabase database(Path file) {
        if (terminated) {
            throw new IllegalStateException("the actor system has terminated; " + file + " is closed");
        }
        return open.computeIfAbsent(file.toAbsolutePath().normalize(), path -> SqliteDatabase.open(path, busyTimeout));
    }

    private void closeAll() {
        terminated = true;
        open.values().forEach(SqliteDatabase::close);
        open.clear();
    }
}
