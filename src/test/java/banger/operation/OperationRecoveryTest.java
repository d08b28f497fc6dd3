package banger.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmCommand;
import banger.vm.VmFleet;
import banger.wire.CreateVmRequest;
import banger.wire.OperationView;
import banger.wire.VmView;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Operations in flight when the daemon dies are settled from what really happened: a create whose VM the fleet had
 * registered is not failed, and a cancel that reached its VM ends cancelled (the registry restarts against a
 * scripted fleet, as a killed daemon's would).
 */
class OperationRecoveryTest {

    static final ActorTestKit testKit = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            .withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING\n"
                    + "pekko.actor.testkit.typed.single-expect-default = 20s"))
            .withFallback(ConfigFactory.load()));
    static final PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());

    private final TestProbe<VmFleet.Command> fleet = testKit.createTestProbe();
    private final OperationRegistryTest.MovableClock clock =
            new OperationRegistryTest.MovableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private ActorRef<OperationRegistry.Command> registry;

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @AfterEach
    void forget() {
        if (registry != null) {
            testKit.stop(registry);
        }
        journal.clearAll();
    }

    private void start() {
        registry = testKit.spawn(OperationRegistry.create(fleet.ref(), new OperationSettings(Duration.ofHours(1),
                Duration.ofMinutes(1), Duration.ofSeconds(2), Duration.ofSeconds(10)), clock));
    }

    /** What a SIGKILL does to the registry: it is gone without another word, and comes back from its journal. */
    private void killAndRestart() {
        testKit.stop(registry);
        start();
    }

    private TestProbe<StatusReply<OperationView>> createAsync(String name, String key) {
        TestProbe<StatusReply<OperationView>> reply = testKit.createTestProbe();
        registry.tell(new OperationRegistry.CreateVm(new CreateVmRequest(name, null, null, null, null, true, Map.of()),
                key, reply.ref()));
        return reply;
    }

    private OperationView awaitState(String id, String state) {
        return testKit.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
            TestProbe<StatusReply<OperationView>> reply = testKit.createTestProbe();
            registry.tell(new OperationRegistry.Get(id, reply.ref()));
            OperationView op = reply.receiveMessage().getValue();
            assertEquals(state, op.state(), "operation " + op);
            return op;
        });
    }

    private String onlyId() {
        TestProbe<java.util.List<OperationView>> list = testKit.createTestProbe();
        registry.tell(new OperationRegistry.ListOperations(list.ref()));
        return list.receiveMessage().get(0).id();
    }

    private VmView vm(String id, String name, String state) {
        Instant at = clock.instant();
        return new VmView(id, name, state, null, "tiny", 1, 256, 512, null, null, Map.of(), at, at);
    }

    /** Answers the fleet's next Resolve with {@code vm} and that VM's next Get with {@code view}. */
    private void answerLookUp(String expectedRef, TestProbe<VmCommand> vm, VmView view) {
        VmFleet.Resolve resolve = fleet.expectMessageClass(VmFleet.Resolve.class, Duration.ofSeconds(20));
        assertEquals(expectedRef, resolve.ref());
        if (view == null) {
            resolve.replyTo().tell(StatusReply.error(new Rejected(Rejection.Reason.NOT_FOUND, "no VM " + expectedRef)));
            return;
        }
        resolve.replyTo().tell(StatusReply.success(vm.ref()));
        vm.expectMessageClass(VmCommand.Get.class).replyTo().tell(StatusReply.success(view));
    }

    @Test
    void aPendingCreateWhoseVmTheFleetRegisteredFollowsThatVmAndARetryGetsItsSuccess() {
        start();
        createAsync("early", "k-early");
        // the fleet registers the VM, and the daemon dies before the registry hears it was accepted
        fleet.expectMessageClass(VmFleet.Create.class);
        String id = onlyId();
        clock.advance(Duration.ofMillis(5));

        killAndRestart();
        TestProbe<VmCommand> vm = testKit.createTestProbe();
        answerLookUp("early", vm, vm("vm-early", "early", "starting"));
        OperationView running = awaitState(id, "running");
        assertEquals("vm-early", running.vmId());
        answerLookUp("vm-early", vm, vm("vm-early", "early", "running"));
        awaitState(id, "succeeded");

        StatusReply<OperationView> retry = createAsync("early", "k-early").receiveMessage();
        assertEquals(id, retry.getValue().id(), "the same operation");
        assertEquals("succeeded", retry.getValue().state(), "a retry with the key gets the success: " + retry);
    }

    @Test
    void aPendingCreateFailsWhenNoVmOfItsNameWasCreatedSinceItBegan() {
        start();
        createAsync("late", null);
        fleet.expectMessageClass(VmFleet.Create.class);
        String id = onlyId();

        killAndRestart();
        // a VM of that name exists but is older than the operation (the create was refused for the name)
        TestProbe<VmCommand> vm = testKit.createTestProbe();
        VmView older = new VmView("vm-old", "late", "running", null, "tiny", 1, 256, 512, null, null, Map.of(),
                clock.instant().minusSeconds(60), clock.instant().minusSeconds(60));
        answerLookUp("late", vm, older);
        OperationView failed = awaitState(id, "failed");
        assertEquals(null, failed.vmId(), "not pinned on someone else's VM");
    }

    @Test
    void aRestartDuringACancelEndsTheOperationCancelledOnceItsVmIsGone() {
        start();
        TestProbe<StatusReply<OperationView>> reply = createAsync("doomed", null);
        VmFleet.Create create = fleet.expectMessageClass(VmFleet.Create.class);
        create.accepted().tell(new VmFleet.Accepted("vm-doomed", "doomed"));
        String id = reply.receiveMessage().getValue().id();
        registry.tell(new OperationRegistry.Cancel(id, testKit.<StatusReply<OperationView>>createTestProbe().ref()));
        // the cancel goes out to the VM (which journals CreateCancelled), then the daemon dies
        fleet.expectMessageClass(VmFleet.Resolve.class);

        killAndRestart();
        TestProbe<VmCommand> vm = testKit.createTestProbe();
        // the VM resumes its deletion after the restart
        answerLookUp("vm-doomed", vm, vm("vm-doomed", "doomed", "deleting"));
        answerLookUp("vm-doomed", vm, null);
        OperationView cancelled = awaitState(id, "cancelled");
        assertEquals(null, cancelled.error());
    }

    @Test
    void aShutdownDrainRefusesNewCreatesThenCancelsWhatDidNotFinishInTime() {
        start();
        TestProbe<StatusReply<OperationView>> reply = createAsync("slow", null);
        VmFleet.Create create = fleet.expectMessageClass(VmFleet.Create.class);
        create.accepted().tell(new VmFleet.Accepted("vm-slow", "slow"));
        String id = reply.receiveMessage().getValue().id();

        TestProbe<java.util.List<String>> drained = testKit.createTestProbe();
        registry.tell(new OperationRegistry.Drain(Duration.ofMillis(300), Duration.ofSeconds(10), drained.ref()));
        StatusReply<OperationView> refused = createAsync("late", null).receiveMessage();
        assertEquals(Rejection.Reason.UNAVAILABLE, ((Rejected) refused.getError()).reason(), "refused: " + refused);

        // the create did not finish within 300 ms: it is cancelled through its VM
        VmFleet.Resolve resolve = fleet.expectMessageClass(VmFleet.Resolve.class, Duration.ofSeconds(20));
        assertEquals("vm-slow", resolve.ref());
        TestProbe<VmCommand> vm = testKit.createTestProbe();
        resolve.replyTo().tell(StatusReply.success(vm.ref()));
        vm.expectMessageClass(VmCommand.CancelCreate.class).replyTo()
                .tell(StatusReply.success(vm("vm-slow", "slow", "deleted")));
        assertEquals(java.util.List.of(), drained.receiveMessage(), "nothing left open");
        awaitState(id, "cancelled");
        create.replyTo().tell(StatusReply.error(new Rejected(Rejection.Reason.CONFLICT, "cancelled")));
        awaitState(id, "cancelled");
    }
}
