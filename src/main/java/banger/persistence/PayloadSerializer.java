package banger.persistence;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;

/** Turns events and snapshots into rows and back through the serializers bound in Pekko's config. */
final class PayloadSerializer {

    private final Serialization serialization;

    PayloadSerializer(ExtendedActorSystem system) {
        this.serialization = SerializationExtension.get(system);
    }

    /** Throws (e.g. NotSerializableException) when no serializer is bound or the serializer fails. */
    SerializedPayload serialize(Object payload) {
        Serializer serializer = serialization.findSerializerFor(payload);
        String manifest = Serializers.manifestFor(serializer, payload);
        // serialize (not serializer.toBinary) sets the transport information that ActorRef fields need
        byte[] bytes = serialization.serialize(payload).get();
        return new SerializedPayload(serializer.identifier(), manifest, bytes);
    }

    Object deserialize(SerializedPayload payload) {
        return serialization.deserialize(payload.bytes(), payload.serializerId(), payload.manifest()).get();
    }
}
