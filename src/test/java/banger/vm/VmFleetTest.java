package banger.vm;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.CreateVmRequest;
import banger.wire.VmView;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.image.Image;
import banger.image.ImageRegistry;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VmFleetTest {

    static final ActorTestKit testKit = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            .withFallback(ConfigFactory.load()));
    static ActorRef<ImageRegistry.Command> images;
    static ActorRef<VmFleet.Command> fleet;
    static final ScriptedVmRuntime runtime = new ScriptedVmRuntime();

    @BeforeAll
    static void setUp() {
        images = testKit.spawn(ImageRegistry.create((preset, name) -> {
            throw new Rejected(Rejection.Reason.INVALID_REQUEST, "no builds in this test");
        }));
        TestProbe<StatusReply<Image>> reg = testKit.createTestProbe();
        images.tell(new ImageRegistry.Register(new Image("tiny", "tiny", "/k", "/i", null, "/r", 64L << 20,
                Instant.now()), reg.ref()));
        reg.receiveMessage();
        int[] next = {2};
        GuestAddresses addresses = taken -> {
            String a = "10.9.0." + next[0]++;
            assertTrue(!taken.contains(a));
            return Optional.of(a);
        };
        fleet = testKit.spawn(VmFleet.create(images, runtime, addresses, VmNameListener.NONE,
                new VmDefaults("tiny", 1, 256, 512, 8, 4096, 8192), Duration.ofSeconds(5), Duration.ofSeconds(3),
                Clock.systemUTC()));
    }

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private StatusReply<VmView> create(String name, String image, Integer memory) {
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        fleet.tell(new VmFleet.Create(new CreateVmRequest(name, image, null, memory, null, false, Map.of()),
                reply.ref()));
        return reply.receiveMessage(Duration.ofSeconds(5));
    }

    private static Rejection.Reason reason(StatusReply<?> r) {
        assertTrue(r.isError(), "expected an error");
        return assertInstanceOf(Rejected.class, r.getError()).reason();
    }

    private List<VmView> list() {
        TestProbe<List<VmView>> probe = testKit.createTestProbe();
        fleet.tell(new VmFleet.ListVms(probe.ref()));
        return probe.receiveMessage();
    }

    @Test
    void createsVmsWithDefaultsAndDistinctAddresses() {
        VmView a = create("web-1", null, null).getValue();
        VmView b = create("web-2", "tiny", 512).getValue();
        assertEquals("created", a.state());
        assertEquals(256, a.memoryMib());
        assertEquals(512, b.memoryMib());
        assertEquals("tiny", a.image());
        assertNotEquals(a.address(), b.address());
        assertNotEquals(a.id(), b.id());
    }

    @Test
    void refusesDuplicateInvalidAndUnknownImageWithoutChangingAnything() {
        create("dup", null, null).getValue();
        int before = list().size();
        assertEquals(Rejection.Reason.CONFLICT, reason(create("dup", null, null)));
        assertEquals(Rejection.Reason.INVALID_REQUEST, reason(create("Bad_Name", null, null)));
        assertEquals(Rejection.Reason.INVALID_REQUEST, reason(create("neg", null, -5)));
        assertEquals(Rejection.Reason.UNKNOWN_IMAGE, reason(create("ghost", "nope", null)));
        assertEquals(before, list().size());
    }

    @Test
    void resolvesVmsByIdAndByName() {
        VmView v = create("lookup", null, null).getValue();
        TestProbe<StatusReply<VmView>> byName = testKit.createTestProbe();
        fleet.tell(new VmFleet.Get("lookup", byName.ref()));
        assertEquals(v.id(), byName.receiveMessage().getValue().id());
        TestProbe<StatusReply<VmView>> byId = testKit.createTestProbe();
        fleet.tell(new VmFleet.Get(v.id(), byId.ref()));
        assertEquals("lookup", byId.receiveMessage().getValue().name());
        TestProbe<StatusReply<VmView>> missing = testKit.createTestProbe();
        fleet.tell(new VmFleet.Get("nobody", missing.ref()));
        assertEquals(Rejection.Reason.NOT_FOUND, reason(missing.receiveMessage()));
    }

    @Test
    void deletedVmFreesItsNameForReuse() throws Exception {
        create("again", null, null).getValue();
        TestProbe<StatusReply<ActorRef<VmCommand>>> resolved = testKit.createTestProbe();
        fleet.tell(new VmFleet.Resolve("again", resolved.ref()));
        TestProbe<StatusReply<VmView>> deleted = testKit.createTestProbe();
        resolved.receiveMessage().getValue().tell(new VmCommand.Delete(deleted.ref()));
        runtime.next().result().complete(null);
        assertEquals("deleted", deleted.receiveMessage().getValue().state());
        StatusReply<VmView> reused = null;
        for (int i = 0; i < 50; i++) {
            reused = create("again", null, null);
            if (reused.isSuccess()) {
                break;
            }
            Thread.sleep(50);
        }
        assertTrue(reused.isSuccess(), "name is free again after delete");
    }
}
