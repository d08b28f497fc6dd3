package banger.persistence;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The tables of the journal, tag index and snapshot store. {@code journal.ordering} is the global, durable
 * offset: AUTOINCREMENT never reuses a value, and the single writer commits rows in ordering order, so a reader
 * that has seen ordering N has seen every committed row below it.
 */
final class Schema {

    private static final String[] STATEMENTS = {
        """
        CREATE TABLE IF NOT EXISTS journal (
          ordering        INTEGER PRIMARY KEY AUTOINCREMENT,
          persistence_id  TEXT    NOT NULL,
          sequence_nr     INTEGER NOT NULL,
          deleted         INTEGER NOT NULL DEFAULT 0,
          writer_uuid     TEXT    NOT NULL,
          write_timestamp INTEGER NOT NULL,
          event_manifest  TEXT    NOT NULL,
          ser_id          INTEGER NOT NULL,
          ser_manifest    TEXT    NOT NULL,
          payload         BLOB    NOT NULL,
          UNIQUE (persistence_id, sequence_nr)
        )""",
        """
        CREATE TABLE IF NOT EXISTS event_tag (
          tag      TEXT    NOT NULL,
          ordering INTEGER NOT NULL REFERENCES journal (ordering),
          PRIMARY KEY (tag, ordering)
        ) WITHOUT ROWID""",
        // the compactor removes tag rows by ordering
        "CREATE INDEX IF NOT EXISTS event_tag_ordering ON event_tag (ordering)",
        """
        CREATE TABLE IF NOT EXISTS snapshot (
          persistence_id TEXT    NOT NULL,
          sequence_nr    INTEGER NOT NULL,
          created        INTEGER NOT NULL,
          ser_id         INTEGER NOT NULL,
          ser_manifest   TEXT    NOT NULL,
          payload        BLOB    NOT NULL,
          PRIMARY KEY (persistence_id, sequence_nr)
        )"""
    };

    private Schema() {
    }

    static void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : STATEMENTS) {
                statement.executeUpdate(sql);
            }
        }
    }
}
