package banger.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The read journal's SQL: pages of events by tag or persistence id, and of persistence ids. */
final class QueryStatements {

    /** A journal row's global position and owner, for the live persistence id query. */
    record OrderedId(long ordering, String persistenceId) {
    }

    private static final String BY_TAG = "SELECT " + JournalStatements.EVENT_COLUMNS + """
             FROM event_tag t JOIN journal j ON j.ordering = t.ordering
            WHERE t.tag = ? AND t.ordering > ? AND j.deleted = 0
            ORDER BY t.ordering LIMIT ?""";
    private static final String BY_PERSISTENCE_ID = "SELECT " + JournalStatements.EVENT_COLUMNS + """
             FROM journal j
            WHERE j.persistence_id = ? AND j.sequence_nr BETWEEN ? AND ? AND j.deleted = 0
            ORDER BY j.sequence_nr LIMIT ?""";
    private static final String IDS_BY_NAME = """
            SELECT DISTINCT persistence_id FROM journal WHERE persistence_id > ? ORDER BY persistence_id LIMIT ?""";
    private static final String IDS_BY_ORDERING = """
            SELECT ordering, persistence_id FROM journal WHERE ordering > ? ORDER BY ordering LIMIT ?""";

    private QueryStatements() {
    }

    static List<StoredEvent> byTag(Connection connection, String tag, long afterOrdering, int limit)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(BY_TAG)) {
            statement.setString(1, tag);
            statement.setLong(2, afterOrdering);
            statement.setInt(3, limit);
            return events(statement);
        }
    }

    static List<StoredEvent> byPersistenceId(Connection connection, String persistenceId, long fromSequenceNr,
                                             long toSequenceNr, int limit) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(BY_PERSISTENCE_ID)) {
            statement.setString(1, persistenceId);
            statement.setLong(2, fromSequenceNr);
            statement.setLong(3, toSequenceNr);
            statement.setInt(4, limit);
            return events(statement);
        }
    }

    static List<String> idsAfterName(Connection connection, String afterName, int limit) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(IDS_BY_NAME)) {
            statement.setString(1, afterName);
            statement.setInt(2, limit);
            List<String> ids = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
            return ids;
        }
    }

    static List<OrderedId> idsAfterOrdering(Connection connection, long afterOrdering, int limit)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(IDS_BY_ORDERING)) {
            statement.setLong(1, afterOrdering);
            statement.setInt(2, limit);
            List<OrderedId> ids = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.add(new OrderedId(rows.getLong(1), rows.getString(2)));
                }
            }
            return ids;
        }
    }

    private static List<StoredEvent> events(PreparedStatement statement) throws SQLException {
        List<StoredEvent> events = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                events.add(StoredEvent.from(rows));
            }
        }
        return events;
    }
}
