package banger.vm;

import banger.testsupport.InMemoryPersistence;
import banger.wire.PatchVmRequest;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.VmView;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.wire.EgressPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A VM's egress policy in its actor: journaled, applied to the host before the PATCH is answered, recovered. */
class VmEgressTest {

    static final ActorTestKit testKit = InMemoryPersistence.testKit();
    private static final EgressPolicy LISTED = new EgressPolicy(EgressPolicy.Mode.RULES,
            List.of(new EgressPolicy.Rule("203.0.113.0/24", List.of(443))));

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private final ScriptedVmRuntime runtime = new ScriptedVmRuntime();
    private final TestProbe<VmFleet.Command> fleet = testKit.createTestProbe();

    private ActorRef<VmCommand> spawn(VmSpec spec) {
        return testKit.spawn(Vm.create(spec.id(), runtime, fleet.ref(), Duration.ofSeconds(30), Clock.systemUTC()));
    }

    private static VmSpec spec(String name, EgressPolicy egress) {
        return new VmSpec(UUID.randomUUID().toString().substring(0, 8), name, "tiny", 1, 256, 512, "172.30.0.9",
                Map.of(), egress);
    }

    private TestProbe<StatusReply<VmView>> patch(ActorRef<VmCommand> vm, EgressPolicy egress) {
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(new VmCommand.Reconfigure(new PatchVmRequest(null, null, null, null, egress), reply.ref()));
        return reply;
    }

    /** The next side effect; generous, as the first persist of a fresh test kit is slow on a loaded host. */
    private ScriptedVmRuntime.Call next() throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return runtime.next();
            } catch (AssertionError none) {
                if (System.nanoTime() > end) {
                    throw none;
                }
            }
        }
    }

    private VmView start(ActorRef<VmCommand> vm, VmSpec spec) throws InterruptedException {
        TestProbe<StatusReply<VmView>> created = testKit.createTestProbe();
        vm.tell(new VmCommand.Create(spec, true, created.ref()));
        next().result().complete(new VmRuntime.Launched(4242));
        return created.receiveMessage(Duration.ofSeconds(30)).getValue();
    }

    @Test
    void aRunningVmsNewPolicyIsInForceBeforeThePatchIsAnsweredAndSurvivesRecovery() throws Exception {
        VmSpec spec = spec("live", EgressPolicy.DENY);
        ActorRef<VmCommand> vm = spawn(spec);
        assertEquals(EgressPolicy.DENY, start(vm, spec).egress());

        TestProbe<StatusReply<VmView>> reply = patch(vm, LISTED);
        ScriptedVmRuntime.Call apply = next();
        assertEquals("egress", apply.op());
        reply.expectNoMessage(Duration.ofMillis(300));
        apply.result().complete(null);
        assertEquals(LISTED, reply.receiveMessage().getValue().egress());

        testKit.stop(vm);
        TestProbe<StatusReply<VmView>> get = testKit.createTestProbe();
        spawn(spec).tell(new VmCommand.Get(get.ref()));
        assertEquals(LISTED, get.receiveMessage().getValue().egress(), "recovered from the journal");
    }

    @Test
    void theSamePolicyAgainChangesNothingAndAFailedApplyIsReported() throws Exception {
        VmSpec spec = spec("same", EgressPolicy.ALLOW);
        ActorRef<VmCommand> vm = spawn(spec);
        start(vm, spec);
        assertTrue(patch(vm, EgressPolicy.ALLOW).receiveMessage().isSuccess());
        runtime.expectNone(200);

        TestProbe<StatusReply<VmView>> reply = patch(vm, EgressPolicy.DENY);
        next().result().completeExceptionally(new IllegalStateException("nft: no such table"));
        StatusReply<VmView> failed = reply.receiveMessage();
        Rejected rejected = assertInstanceOf(Rejected.class, failed.getError());
        assertEquals(Rejection.Reason.OPERATION_FAILED, rejected.reason());
        assertTrue(rejected.getMessage().contains("nft: no such table"), rejected.getMessage());
    }

    @Test
    void egressCannotChangeWhileTheVmIsStarting() throws Exception {
        VmSpec spec = spec("booting", EgressPolicy.ALLOW);
        ActorRef<VmCommand> vm = spawn(spec);
        TestProbe<StatusReply<VmView>> created = testKit.createTestProbe();
        vm.tell(new VmCommand.Create(spec, true, created.ref()));
        ScriptedVmRuntime.Call boot = next();
        StatusReply<VmView> refused = patch(vm, EgressPolicy.DENY).receiveMessage();
        Rejected rejected = assertInstanceOf(Rejected.class, refused.getError());
        assertEquals(Rejection.Reason.CONFLICT, rejected.reason());
        boot.result().complete(new VmRuntime.Launched(1));
        assertEquals(EgressPolicy.ALLOW, created.receiveMessage().getValue().egress());
    }
}
