package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.VmView;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A delete that cannot make sure the VM's VMM is gone (it survived SIGKILL, say) fails with the reason and keeps
 * the VM, its address and its TAP: it never journals Deleted nor tells the fleet to free them.
 */
class FailedDeleteTest {

    static final ActorTestKit testKit = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            .withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING\n"
                    + "pekko.actor.testkit.typed.single-expect-default = 20s"))
            .withFallback(ConfigFactory.load()));

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private final ScriptedVmRuntime runtime = new ScriptedVmRuntime();
    private final TestProbe<VmFleet.Command> fleet = testKit.createTestProbe();

    @Test
    void aDeleteWhoseVmmSurvivedFailsWithTheReasonAndKeepsTheVm() throws Exception {
        VmSpec spec = new VmSpec(UUID.randomUUID().toString().substring(0, 8), "stubborn", "tiny", 1, 256, 512,
                "10.9.0.7", Map.of());
        ActorRef<VmCommand> vm = testKit.spawn(Vm.create(spec.id(), runtime, fleet.ref(), Duration.ofMinutes(1),
                Clock.systemUTC()));
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(new VmCommand.Create(spec, false, reply.ref()));
        assertEquals("created", reply.receiveMessage().getValue().state());

        TestProbe<StatusReply<VmView>> delete = testKit.createTestProbe();
        vm.tell(new VmCommand.Delete(delete.ref()));
        ScriptedVmRuntime.Call destroy = runtime.next(20);
        assertEquals("destroy", destroy.op());
        destroy.result().completeExceptionally(new IllegalStateException("VMM pid 4242 is still running after the stop"));

        StatusReply<VmView> answer = delete.receiveMessage();
        assertTrue(answer.isError(), "the delete fails: " + answer);
        Rejected refused = assertInstanceOf(Rejected.class, answer.getError());
        assertEquals(Rejection.Reason.OPERATION_FAILED, refused.reason());
        assertTrue(refused.getMessage().contains("still running"), refused.getMessage());

        TestProbe<StatusReply<VmView>> get = testKit.createTestProbe();
        vm.tell(new VmCommand.Get(get.ref()));
        VmView kept = get.receiveMessage().getValue();
        assertEquals("failed", kept.state(), "kept: " + kept);
        assertTrue(kept.stateReason().contains("delete failed"), kept.stateReason());
        assertEquals("10.9.0.7", kept.address());
        // the VM told the fleet before answering the Get above: every message to the fleet is out by now
        while (true) {
            VmFleet.Command m;
            try {
                m = fleet.receiveMessage(Duration.ofMillis(300));
            } catch (AssertionError none) {
                break;
            }
            assertTrue(!(m instanceof VmFleet.VmGone), "the fleet is never told the VM is gone: " + m);
        }

        // once the VMM can be stopped, deleting again works
        TestProbe<StatusReply<VmView>> again = testKit.createTestProbe();
        vm.tell(new VmCommand.Delete(again.ref()));
        runtime.next(20).result().complete(null);
        assertEquals("deleted", again.receiveMessage().getValue().state());
    }
}
