package banger.persistence;

import java.util.Set;

/** One event as the journal table stores it (ordering is assigned by the database on insert). */
record JournalRow(
        String persistenceId,
        long sequenceNr,
        String writerUuid,
        long writeTimestamp,
        String eventManifest,
        SerializedPayload payload,
        Set<String> tags) {
}
