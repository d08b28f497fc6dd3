package banger.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Consumer;

/** The journal's SQL: inserts and logical deletes (on the writer), replay and highest sequence nr (readers). */
final class JournalStatements {

    private static final String INSERT_EVENT = """
            INSERT INTO journal (persistence_id, sequence_nr, writer_uuid, write_timestamp, event_manifest,
                                 ser_id, ser_manifest, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ordering""";
    private static final String INSERT_TAG = "INSERT INTO event_tag (tag, ordering) VALUES (?, ?)";
    // logical: the rows stay so the highest sequence nr survives deleting everything
    private static final String DELETE_TO = """
            UPDATE journal SET deleted = 1
            WHERE persistence_id = ? AND sequence_nr <= ? AND deleted = 0""";
    static final String EVENT_COLUMNS =
            "j.ordering, j.persistence_id, j.sequence_nr, j.writer_uuid, j.write_timestamp, j.event_manifest,"
                    + " j.ser_id, j.ser_manifest, j.payload";
    private static final String REPLAY = "SELECT " + EVENT_COLUMNS + """
             FROM journal j
            WHERE j.persistence_id = ? AND j.sequence_nr BETWEEN ? AND ? AND j.deleted = 0
            ORDER BY j.sequence_nr LIMIT ?""";
    private static final String HIGHEST = """
            SELECT MAX(sequence_nr) FROM journal WHERE persistence_id = ? AND sequence_nr >= ?""";

    private JournalStatements() {
    }

    static void insert(Connection connection, List<JournalRow> rows) throws SQLException {
        try (PreparedStatement event = connection.prepareStatement(INSERT_EVENT);
             PreparedStatement tag = connection.prepareStatement(INSERT_TAG)) {
            for (JournalRow row : rows) {
                event.setString(1, row.persistenceId());
                event.setLong(2, row.sequenceNr());
                event.setString(3, row.writerUuid());
                event.setLong(4, row.writeTimestamp());
                event.setString(5, row.eventManifest());
                event.setInt(6, row.payload().serializerId());
                event.setString(7, row.payload().manifest());
                event.setBytes(8, row.payload().bytes());
                long ordering;
                try (ResultSet generated = event.executeQuery()) {
                    generated.next();
                    ordering = generated.getLong(1);
                }
                for (String name : row.tags()) {
                    tag.setString(1, name);
                    tag.setLong(2, ordering);
                    tag.addBatch();
                }
            }
            tag.executeBatch();
        }
    }

    static Void deleteTo(Connection connection, String persistenceId, long toSequenceNr) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(DELETE_TO)) {
            statement.setString(1, persistenceId);
            statement.setLong(2, toSequenceNr);
            statement.executeUpdate();
        }
        return null;
    }

    static Void replay(Connection connection, String persistenceId, long from, long to, long max,
                       Consumer<StoredEvent> onEvent) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(REPLAY)) {
            statement.setString(1, persistenceId);
            statement.setLong(2, from);
            statement.setLong(3, to);
            statement.setLong(4, max);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    onEvent.accept(StoredEvent.from(rows));
                }
            }
        }
        return null;
    }

    static long highestSequenceNr(Connection connection, String persistenceId, long from) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(HIGHEST)) {
            statement.setString(1, persistenceId);
            statement.setLong(2, from);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0L;
            }
        }
    }
}
