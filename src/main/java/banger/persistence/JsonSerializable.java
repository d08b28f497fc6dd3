package banger.persistence;

/**
 * Marker for every message, event and snapshot that may be serialised: bound to Pekko's Jackson JSON
 * serializer in reference.conf, so the journal stores readable JSON and the protocol can cross hosts.
 */
public interface JsonSerializable {
}
