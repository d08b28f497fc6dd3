package banger.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.image.Image;
import banger.image.ImageRegistry;
import banger.operation.OperationRegistry;
import banger.operation.OperationSettings;
import banger.vm.GuestAddresses;
import banger.vm.ScriptedVmRuntime;
import banger.vm.VmDefaults;
import banger.vm.VmFleet;
import banger.vm.VmNameListener;
import banger.wire.OperationView;
import banger.wire.VmView;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Each singleton the guardian spawns, supervised as the guardian does it, answers again after an exception
 * escapes one of its handlers, with its journaled state intact.
 */
class SingletonSupervisionTest {

    static final ActorTestKit kit = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            .withFallback(ConfigFactory.load()));
    static final Duration WAIT = Duration.ofSeconds(10);

    @AfterAll
    static void shutDown() {
        kit.shutdownTestKit();
    }

    private static ActorRef<ImageRegistry.Command> imageRegistryWithTiny(String suffix) {
        ActorRef<ImageRegistry.Command> images = kit.spawn(Supervision.singleton(ImageRegistry.create(
                (preset, name) -> {
                    throw new IllegalStateException("no builds here");
                })), "images-" + suffix);
        TestProbe<StatusReply<Image>> reg = kit.createTestProbe();
        images.tell(new ImageRegistry.Register(new Image("tiny", "tiny", "/k", "/i", null, "/r", 1L << 20,
                Instant.now()), reg.ref()));
        assertTrue(reg.receiveMessage(WAIT).isSuccess());
        return images;
    }

    @Test
    void imageRegistryAnswersAgainWithItsImagesAfterAHandlerThrows() {
        ActorRef<ImageRegistry.Command> images = imageRegistryWithTiny("a");
        LoggingTestKit.error(NullPointerException.class).expect(kit.system(), () -> {
            images.tell(new ImageRegistry.Register(null, kit.<StatusReply<Image>>createTestProbe().ref()));
            return null;
        });
        TestProbe<List<Image>> list = kit.createTestProbe();
        images.tell(new ImageRegistry.ListImages(list.ref()));
        assertEquals(List.of("tiny"), list.receiveMessage(WAIT).stream().map(Image::name).toList());
    }

    private static ActorRef<VmFleet.Command> fleet(ActorRef<ImageRegistry.Command> images, String suffix) {
        int[] next = {2};
        GuestAddresses addresses = taken -> Optional.of("10.9.0." + next[0]++);
        return kit.spawn(Supervision.singleton(VmFleet.create(images, new ScriptedVmRuntime(), addresses,
                VmNameListener.NONE, new VmDefaults("tiny", 1, 256, 512, 8, 4096, 8192), Duration.ofSeconds(30),
                Duration.ofSeconds(3), Clock.systemUTC())), "fleet-" + suffix);
    }

    @Test
    void fleetAnswersAgainAfterAHandlerThrows() {
        ActorRef<VmFleet.Command> fleet = fleet(imageRegistryWithTiny("b"), "b");
        LoggingTestKit.error(NullPointerException.class).expect(kit.system(), () -> {
            fleet.tell(new VmFleet.Create(null, kit.system().ignoreRef(),
                    kit.<StatusReply<VmView>>createTestProbe().ref()));
            return null;
        });
        TestProbe<List<VmView>> list = kit.createTestProbe();
        fleet.tell(new VmFleet.ListVms(list.ref()));
        assertEquals(List.of(), list.receiveMessage(WAIT));
    }

    @Test
    void operationRegistryAnswersAgainAfterAHandlerThrows() {
        ActorRef<VmFleet.Command> fleet = fleet(imageRegistryWithTiny("c"), "c");
        ActorRef<OperationRegistry.Command> operations = kit.spawn(Supervision.singleton(OperationRegistry.create(
                fleet, new OperationSettings(Duration.ofHours(1), Duration.ofHours(1), Duration.ofSeconds(3),
                        Duration.ofSeconds(30)), Clock.systemUTC())), "operations-c");
        LoggingTestKit.error(NullPointerException.class).expect(kit.system(), () -> {
            operations.tell(new OperationRegistry.CreateVm(null, null,
                    kit.<StatusReply<OperationView>>createTestProbe().ref()));
            return null;
        });
        TestProbe<List<OperationView>> list = kit.createTestProbe();
        operations.tell(new OperationRegistry.ListOperations(list.ref()));
        assertEquals(List.of(), list.receiveMessage(WAIT));
    }
}
