package banger.persistence;

import java.time.Duration;

/**
 * Which entities' journals {@link JournalCompactor} may shrink once they have ended.
 *
 * @param persistenceIdPrefix the entities' persistence ids start with this (e.g. {@code "Vm|"})
 * @param finalManifest       the serializer manifest of the event that ends an entity (its tombstone)
 * @param retention           how long after its final event an entity's history is kept whole
 * @param maxTombstones       final events kept after compaction, newest first; older ones go as well
 */
public record CompactionRule(String persistenceIdPrefix, String finalManifest, Duration retention, int maxTombstones) {
}
