package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.image.Image;
import banger.image.ImageRegistry;
import banger.wire.CreateVmRequest;
import banger.wire.VmView;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.WriteEvents;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The window between the fleet's VmRegistered and the VM's Created: a daemon killed there (the journal holds the
 * registration only), or a Created write that fails, must not leave a name and address reserved by a VM that
 * list and get cannot show and start or delete cannot reach.
 */
class NeverCreatedVmTest {

    static final ActorTestKit testKit = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            .withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING\n"
                    + "pekko.actor.testkit.typed.single-expect-default = 20s"))
            .withFallback(ConfigFactory.load()));
    static final PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    static ActorRef<ImageRegistry.Command> images;
    private ActorRef<VmFleet.Command> fleet;

    /** The lowest free address of 10.9.0.2-254, as the real allocator picks. */
    private static final GuestAddresses LOWEST_FREE = taken -> IntStream.rangeClosed(2, 254)
            .mapToObj(i -> "10.9.0." + i).filter(a -> !taken.contains(a)).findFirst();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @AfterEach
    void forget() {
        if (fleet != null) {
            testKit.stop(fleet);
        }
        journal.resetPolicy();
        journal.clearAll();
    }

    private ActorRef<VmFleet.Command> startFleet() {
        if (images == null) {
            images = testKit.spawn(ImageRegistry.create((preset, name) -> {
                throw new Rejected(Rejection.Reason.INVALID_REQUEST, "no builds in this test");
            }));
        }
        TestProbe<StatusReply<Image>> reg = testKit.createTestProbe();
        images.tell(new ImageRegistry.Register(new Image("tiny", "tiny", "/k", "/i", null, "/r", 64L << 20,
                Instant.now()), reg.ref()));
        reg.receiveMessage();
        return testKit.spawn(VmFleet.create(images, new ScriptedVmRuntime(), LOWEST_FREE, VmNameListener.NONE,
                new VmDefaults("tiny", 1, 256, 512, 8, 4096, 8192), Duration.ofSeconds(30), Duration.ofSeconds(3),
                Clock.systemUTC()));
    }

    private StatusReply<VmView> create(String name) {
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        fleet.tell(new VmFleet.Create(new CreateVmRequest(name, null, null, null, null, false, Map.of()),
                reply.ref()));
        return reply.receiveMessage(Duration.ofSeconds(20));
    }

    private List<VmView> list() {
        TestProbe<List<VmView>> probe = testKit.createTestProbe();
        fleet.tell(new VmFleet.ListVms(probe.ref()));
        return probe.receiveMessage();
    }

    private static String describe(StatusReply<?> reply) {
        return reply.isError() ? reply.getError().toString() : String.valueOf(reply.getValue());
    }

    @Test
    void aRegistrationWhoseCreatedWasNeverJournaledIsRolledBackAtRecovery() {
        // what a SIGKILL between the two writes leaves: the fleet's registration, nothing in the VM's journal
        journal.persistForRecovery("VmFleet", List.of(
                new VmFleet.VmRegistered("0123456789ab", "orphan", "10.9.0.2", Instant.now())));
        fleet = startFleet();

        testKit.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
            assertTrue(journal.persistedInStorage("VmFleet").stream().anyMatch(e -> e instanceof VmFleet.VmRemoved),
                    "the fleet journals the registration's removal: " + journal.persistedInStorage("VmFleet"));
            return null;
        });
        TestProbe<StatusReply<VmView>> get = testKit.createTestProbe();
        fleet.tell(new VmFleet.Get("0123456789ab", get.ref()));
        StatusReply<VmView> gone = get.receiveMessage();
        assertEquals(Rejection.Reason.NOT_FOUND, assertInstanceOf(Rejected.class, gone.getError()).reason());

        StatusReply<VmView> again = create("orphan");
        assertTrue(again.isSuccess(), "the name is free again: " + describe(again));
        assertEquals("10.9.0.2", again.getValue().address(), "and so is the address");
        assertEquals(List.of("orphan"), list().stream().map(VmView::name).toList());
    }

    @Test
    void aFailedCreatedWriteAnswersTheCreateAndFreesTheName() {
        fleet = startFleet();
        journal.failNextNOpsCond((pid, op) -> pid.startsWith(Vm.ENTITY + "|") && op instanceof WriteEvents, 1);

        StatusReply<VmView> failed = create("unlucky");
        assertTrue(failed.isError(), "the create fails instead of hanging: " + describe(failed));
        assertEquals(Rejection.Reason.OPERATION_FAILED,
                assertInstanceOf(Rejected.class, failed.getError()).reason(), describe(failed));
        assertFalse(list().stream().anyMatch(v -> v.name().equals("unlucky")), "list: " + list());

        StatusReply<VmView> retry = create("unlucky");
        assertTrue(retry.isSuccess(), "the name is free for a retry: " + describe(retry));
        assertEquals("10.9.0.2", retry.getValue().address(), "the first address was released");
    }

    @Test
    void aVmRecoveredWithItsCreatedIsKept() {
        journal.persistForRecovery("VmFleet", List.of(
                new VmFleet.VmRegistered("0123456789ab", "keeper", "10.9.0.2", Instant.now())));
        VmSpec spec = new VmSpec("0123456789ab", "keeper", "tiny", 1, 256, 512, "10.9.0.2", Map.of(), null);
        journal.persistForRecovery(Vm.persistenceId("0123456789ab").id(),
                List.of(new VmEvent.Created(spec, Instant.now())));
        fleet = startFleet();

        testKit.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
            assertEquals(List.of("keeper"), list().stream().map(VmView::name).toList());
            return null;
        });
        assertTrue(create("keeper").isError(), "its name stays taken");
        assertFalse(journal.persistedInStorage("VmFleet").stream().anyMatch(e -> e instanceof VmFleet.VmRemoved));
    }
}
