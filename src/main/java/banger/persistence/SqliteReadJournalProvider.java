package banger.persistence;

import com.typesafe.config.Config;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.persistence.query.ReadJournalProvider;

/**
 * Entry point Pekko instantiates from {@code banger.persistence.query.class}; see {@link SqliteReadJournal}
 * for the queries and {@link SqliteReadJournal#IDENTIFIER} for the id to ask PersistenceQuery for.
 */
public final class SqliteReadJournalProvider implements ReadJournalProvider {

    private final SqliteReadJournal javadsl;
    private final SqliteScalaReadJournal scaladsl;

    public SqliteReadJournalProvider(ExtendedActorSystem system, Config config, String configPath) {
        this.javadsl = new SqliteReadJournal(system, config);
        this.scaladsl = new SqliteScalaReadJournal(javadsl);
    }

    @Override
    public SqliteScalaReadJournal scaladslReadJournal() {
        return scaladsl;
    }

    @Override
    public SqliteReadJournal javadslReadJournal() {
        return javadsl;
    }
}
