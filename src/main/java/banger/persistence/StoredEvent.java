package banger.persistence;

import java.sql.ResultSet;
import java.sql.SQLException;

/** An event row as read back, its payload still serialised. */
record StoredEvent(
        long ordering,
        String persistenceId,
        long sequenceNr,
        String writerUuid,
        long writeTimestamp,
        String eventManifest,
        SerializedPayload payload) {

    /** Reads the current row of a result set selecting {@link JournalStatements#EVENT_COLUMNS}. */
    static StoredEvent from(ResultSet row) throws SQLException {
        return new StoredEvent(
                row.getLong(1),
                row.getString(2),
                row.getLong(3),
                row.getString(4),
                row.getLong(5),
                row.getString(6),
                new SerializedPayload(row.getInt(7), row.getString(8), row.getBytes(9)));
    }
}
