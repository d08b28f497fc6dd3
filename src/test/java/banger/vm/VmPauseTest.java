package banger.vm;

import banger.testsupport.InMemoryPersistence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.EgressPolicy;
import banger.wire.VmView;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Pause and resume in the VM actor: through the runtime, journaled, recovered as paused, stop is a kill. */
class VmPauseTest {

    static final ActorTestKit testKit = InMemoryPersistence.testKit();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private final ScriptedVmRuntime runtime = new ScriptedVmRuntime();
    private final TestProbe<VmFleet.Command> fleet = testKit.createTestProbe();

    private ActorRef<VmCommand> spawn(VmSpec spec) {
        return testKit.spawn(Vm.create(spec.id(), runtime, fleet.ref(), Duration.ofSeconds(30), Clock.systemUTC()));
    }

    private static VmSpec spec(String name) {
        return new VmSpec(UUID.randomUUID().toString().substring(0, 8), name, "tiny", 1, 256, 512, "172.30.0.9",
                Map.of(), EgressPolicy.ALLOW);
    }

    private ScriptedVmRuntime.Call expect(String op) throws InterruptedException {
        ScriptedVmRuntime.Call call = runtime.next(30);
        assertEquals(op, call.op(), runtime.log.toString());
        return call;
    }

    private TestProbe<StatusReply<VmView>> send(ActorRef<VmCommand> vm,
                                                java.util.function.Function<ActorRef<StatusReply<VmView>>, VmCommand> c) {
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(c.apply(reply.ref()));
        return reply;
    }

    private VmView started(ActorRef<VmCommand> vm, VmSpec spec) throws InterruptedException {
        TestProbe<StatusReply<VmView>> created = send(vm, r -> new VmCommand.Create(spec, true, r));
        expect("start").result().complete(new VmRuntime.Launched(4242));
        return created.receiveMessage(Duration.ofSeconds(30)).getValue();
    }

    @Test
    void aPausedVmIsPausedInTheVmmJournaledRecoveredAsPausedAndResumes() throws Exception {
        VmSpec spec = spec("frozen");
        ActorRef<VmCommand> vm = spawn(spec);
        started(vm, spec);
        TestProbe<StatusReply<VmView>> pause = send(vm, VmCommand.Pause::new);
        ScriptedVmRuntime.Call call = expect("pause");
        // a lifecycle command asked while the VMM switches waits for the switch
        TestProbe<StatusReply<VmView>> start = send(vm, VmCommand.Start::new);
        start.expectNoMessage(Duration.ofMillis(200));
        call.result().complete(null);
        assertEquals("paused", pause.receiveMessage(Duration.ofSeconds(10)).getValue().state());
        Rejected refused = assertInstanceOf(Rejected.class, start.receiveMessage(Duration.ofSeconds(10)).getError());
        assertEquals(Rejection.Reason.CONFLICT, refused.reason());
        assertTrue(refused.getMessage().contains("paused"), refused.getMessage());

        testKit.stop(vm);
        ActorRef<VmCommand> recovered = spawn(spec);
        assertEquals("paused", send(recovered, VmCommand.Get::new).receiveMessage(Duration.ofSeconds(10))
                .getValue().state(), "a live paused VMM is still paused after recovery");

        TestProbe<StatusReply<VmView>> resume = send(recovered, VmCommand.Resume::new);
        expect("resume").result().complete(null);
        assertEquals("running", resume.receiveMessage(Duration.ofSeconds(10)).getValue().state());
    }

    @Test
    void aFailedPauseLeavesTheVmRunningAndAStoppedVmCannotBePaused() throws Exception {
        VmSpec spec = spec("stubborn");
        ActorRef<VmCommand> vm = spawn(spec);
        started(vm, spec);
        TestProbe<StatusReply<VmView>> pause = send(vm, VmCommand.Pause::new);
        expect("pause").result().completeExceptionally(new IllegalStateException("QMP: no monitor"));
        Rejected failed = assertInstanceOf(Rejected.class, pause.receiveMessage(Duration.ofSeconds(10)).getError());
        assertEquals(Rejection.Reason.OPERATION_FAILED, failed.reason());
        assertTrue(failed.getMessage().contains("QMP: no monitor"), failed.getMessage());
        assertEquals("running", send(vm, VmCommand.Get::new).receiveMessage().getValue().state());

        TestProbe<StatusReply<VmView>> paused = send(vm, VmCommand.Pause::new);
        expect("pause").result().complete(null);
        assertEquals("paused", paused.receiveMessage(Duration.ofSeconds(10)).getValue().state());
        TestProbe<StatusReply<VmView>> stop = send(vm, VmCommand.Stop::new);
        expect("kill").result().complete("");
        assertEquals("stopped", stop.receiveMessage(Duration.ofSeconds(10)).getValue().state());

        Rejected notRunning = assertInstanceOf(Rejected.class,
                send(vm, VmCommand.Pause::new).receiveMessage(Duration.ofSeconds(10)).getError());
        assertEquals(Rejection.Reason.CONFLICT, notRunning.reason());
    }
}
