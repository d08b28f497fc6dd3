package banger.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The compactor's SQL, run on the writer in one transaction per pass. */
final class CompactionStatements {

    /** An ended entity: its persistence id and the sequence number of its final event. */
    record Ended(String persistenceId, long finalSequenceNr) {
    }

    private static final String ENDED_NOT_COMPACTED = """
            SELECT t.persistence_id, t.sequence_nr FROM journal t
             WHERE substr(t.persistence_id, 1, ?) = ? AND t.ser_manifest = ? AND t.write_timestamp <= ?
               AND t.deleted = 0
               AND (EXISTS (SELECT 1 FROM journal e
                             WHERE e.persistence_id = t.persistence_id AND e.sequence_nr < t.sequence_nr)
                    OR EXISTS (SELECT 1 FROM snapshot s WHERE s.persistence_id = t.persistence_id))
             LIMIT ?""";
    private static final String DELETE_TAGS_BEFORE = """
            DELETE FROM event_tag WHERE ordering IN
              (SELECT ordering FROM journal WHERE persistence_id = ? AND sequence_nr < ?)""";
    private static final String DELETE_EVENTS_BEFORE = "DELETE FROM journal WHERE persistence_id = ? AND sequence_nr < ?";
    private static final String DELETE_SNAPSHOTS = "DELETE FROM snapshot WHERE persistence_id = ?";
    private static final String TOMBSTONES_PAST_CAP = """
            SELECT ordering FROM journal
             WHERE substr(persistence_id, 1, ?) = ? AND ser_manifest = ?
             ORDER BY ordering DESC LIMIT -1 OFFSET ?""";
    private static final String DELETE_TAGS_OF = "DELETE FROM event_tag WHERE ordering = ?";
    private static final String DELETE_EVENT_AT = "DELETE FROM journal WHERE ordering = ?";
    // logically deleted rows, except each entity's newest, which keeps its highest sequence number
    private static final String LOGICALLY_DELETED = """
            SELECT j.ordering FROM journal j
             WHERE j.deleted = 1
               AND j.sequence_nr < (SELECT MAX(m.sequence_nr) FROM journal m WHERE m.persistence_id = j.persistence_id)
             LIMIT ?""";

    private CompactionStatements() {
    }

    static List<Ended> endedNotCompacted(Connection c, CompactionRule rule, long endedBeforeMillis, int limit)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(ENDED_NOT_COMPACTED)) {
            s.setInt(1, rule.persistenceIdPrefix().length());
            s.setString(2, rule.persistenceIdPrefix());
            s.setString(3, rule.finalManifest());
            s.setLong(4, endedBeforeMillis);
            s.setInt(5, limit);
            List<Ended> ended = new ArrayList<>();
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    ended.add(new Ended(rows.getString(1), rows.getLong(2)));
                }
            }
            return ended;
        }
    }

    /** Removes everything of {@code e} but its final event; returns the journal rows removed. */
    static int compact(Connection c, Ended e) throws SQLException {
        try (PreparedStatement tags = c.prepareStatement(DELETE_TAGS_BEFORE);
             PreparedStatement events = c.prepareStatement(DELETE_EVENTS_BEFORE);
             PreparedStatement snapshots = c.prepareStatement(DELETE_SNAPSHOTS)) {
            tags.setString(1, e.persistenceId());
            tags.setLong(2, e.finalSequenceNr());
            tags.executeUpdate();
            events.setString(1, e.persistenceId());
            events.setLong(2, e.finalSequenceNr());
            int removed = events.executeUpdate();
            snapshots.setString(1, e.persistenceId());
            snapshots.executeUpdate();
            return removed;
        }
    }

    /** Removes the final events past the newest {@code rule.maxTombstones()}; returns how many. */
    static int dropOldTombstones(Connection c, CompactionRule rule) throws SQLException {
        List<Long> past = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(TOMBSTONES_PAST_CAP)) {
            s.setInt(1, rule.persistenceIdPrefix().length());
            s.setString(2, rule.persistenceIdPrefix());
            s.setString(3, rule.finalManifest());
            s.setInt(4, rule.maxTombstones());
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    past.add(rows.getLong(1));
                }
            }
        }
        return deleteRows(c, past);
    }

    /** Physically removes up to {@code limit} logically deleted events (each entity's newest stays). */
    static int purgeLogicallyDeleted(Connection c, int limit) throws SQLException {
        List<Long> orderings = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(LOGICALLY_DELETED)) {
            s.setInt(1, limit);
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    orderings.add(rows.getLong(1));
                }
            }
        }
        return deleteRows(c, orderings);
    }

    private static int deleteRows(Connection c, List<Long> orderings) throws SQLException {
        try (PreparedStatement tags = c.prepareStatement(DELETE_TAGS_OF);
             PreparedStatement events = c.prepareStatement(DELETE_EVENT_AT)) {
            for (long ordering : orderings) {
                tags.setLong(1, ordering);
                tags.addBatch();
                events.setLong(1, ordering);
                events.addBatch();
            }
            tags.executeBatch();
            events.executeBatch();
        }
        return orderings.size();
    }
}
