package banger.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;

/** The snapshot store's SQL. */
final class SnapshotStatements {

    /** A snapshot row as read back, its payload still serialised. */
    record StoredSnapshot(SnapshotMetadata metadata, SerializedPayload payload) {
    }

    private static final String MATCHING = """
             FROM snapshot
            WHERE persistence_id = ? AND sequence_nr BETWEEN ? AND ? AND created BETWEEN ? AND ?""";
    private static final String SAVE = """
            INSERT OR REPLACE INTO snapshot (persistence_id, sequence_nr, created, ser_id, ser_manifest, payload)
            VALUES (?, ?, ?, ?, ?, ?)""";
    private static final String LOAD = "SELECT sequence_nr, created, ser_id, ser_manifest, payload" + MATCHING
            + " ORDER BY sequence_nr DESC LIMIT 1";
    private static final String DELETE_ONE = "DELETE FROM snapshot WHERE persistence_id = ? AND sequence_nr = ?";
    private static final String DELETE_MATCHING = "DELETE" + MATCHING;

    private SnapshotStatements() {
    }

    static Void save(Connection connection, SnapshotMetadata metadata, SerializedPayload payload)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(SAVE)) {
            statement.setString(1, metadata.persistenceId());
            statement.setLong(2, metadata.sequenceNr());
            statement.setLong(3, metadata.timestamp());
            statement.setInt(4, payload.serializerId());
            statement.setString(5, payload.manifest());
            statement.setBytes(6, payload.bytes());
            statement.executeUpdate();
        }
        return null;
    }

    static Optional<StoredSnapshot> loadLatest(Connection connection, String persistenceId,
                                               SnapshotSelectionCriteria criteria) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(LOAD)) {
            bindMatching(statement, persistenceId, criteria);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                SnapshotMetadata metadata = new SnapshotMetadata(persistenceId, rows.getLong(1), rows.getLong(2));
                return Optional.of(new StoredSnapshot(
                        metadata, new SerializedPayload(rows.getInt(3), rows.getString(4), rows.getBytes(5))));
            }
        }
    }

    /** Deletes by persistence id and sequence nr; the timestamp in the metadata does not narrow it. */
    static Void delete(Connection connection, SnapshotMetadata metadata) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(DELETE_ONE)) {
            statement.setString(1, metadata.persistenceId());
            statement.setLong(2, metadata.sequenceNr());
            statement.executeUpdate();
        }
        return null;
    }

    static Void deleteMatching(Connection connection, String persistenceId, SnapshotSelectionCriteria criteria)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(DELETE_MATCHING)) {
            bindMatching(statement, persistenceId, criteria);
            statement.executeUpdate();
        }
        return null;
    }

    private static void bindMatching(PreparedStatement statement, String persistenceId,
                                     SnapshotSelectionCriteria criteria) throws SQLException {
        statement.setString(1, persistenceId);
        statement.setLong(2, criteria.minSequenceNr());
        statement.setLong(3, criteria.maxSequenceNr());
        statement.setLong(4, criteria.minTimestamp());
        statement.setLong(5, criteria.maxTimestamp());
    }
}
