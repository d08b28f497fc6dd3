package banger.persistence;

/** An object as Pekko serialization stored it: serializer id, that serializer's manifest, and the bytes. */
record SerializedPayload(int serializerId, String manifest, byte[] bytes) {
}
