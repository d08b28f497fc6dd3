package banger.testsupport;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;

/** Actor test kits whose event-sourced actors journal to Pekko's in-memory persistence test kit. */
public final class InMemoryPersistence {

    private InMemoryPersistence() {
    }

    /** A test kit with an in-memory journal and snapshot store, logging warnings and worse. */
    public static ActorTestKit testKit() {
        return ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
                .withFallback(PersistenceTestKitSnapshotPlugin.config())
                .withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING"))
                .withFallback(ConfigFactory.load()));
    }
}
