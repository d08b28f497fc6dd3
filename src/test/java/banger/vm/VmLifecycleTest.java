package banger.vm;

import banger.testsupport.InMemoryPersistence;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class VmLifecycleTest {

    static final ActorTestKit testKit = InMemoryPersistence.testKit();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private final ScriptedVmRuntime runtime = new ScriptedVmRuntime();
    private final TestProbe<VmFleet.Command> fleet = testKit.createTestProbe();

    private static VmSpec spec(String name) {
        return new VmSpec(UUID.randomUUID().toString().substring(0, 8), name, "tiny", 1, 256, 512, null, Map.of());
    }

    private ActorRef<VmCommand> spawn(VmSpec spec) {
        return testKit.spawn(Vm.create(spec.id(), runtime, fleet.ref(), Duration.ofMillis(100), Clock.systemUTC()));
    }

    private VmView created(ActorRef<VmCommand> vm, VmSpec spec) {
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(new VmCommand.Create(spec, false, reply.ref()));
        return reply.receiveMessage().getValue();
    }

    private VmView running(ActorRef<VmCommand> vm) throws InterruptedException {
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(new VmCommand.Start(reply.ref()));
        runtime.next().result().complete(new VmRuntime.Launched(4242));
        VmView v = reply.receiveMessage().getValue();
        assertEquals("running", v.state());
        return v;
    }

    private VmView get(ActorRef<VmCommand> vm) {
        TestProbe<StatusReply<VmView>> probe = testKit.createTestProbe();
        vm.tell(new VmCommand.Get(probe.ref()));
        return probe.receiveMessage().getValue();
    }

    @Test
    void concurrentLifecycleCommandsOnOneVmSerialise() throws Exception {
        VmSpec spec = spec("serial");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        TestProbe<StatusReply<VmView>> first = testKit.createTestProbe();
        TestProbe<StatusReply<VmView>> second = testKit.createTestProbe();
        TestProbe<StatusReply<VmView>> delete = testKit.createTestProbe();
        vm.tell(new VmCommand.Start(first.ref()));
        vm.tell(new VmCommand.Start(second.ref()));
        vm.tell(new VmCommand.Delete(delete.ref()));

        ScriptedVmRuntime.Call start = runtime.next();
        assertEquals("start", start.op());
        runtime.expectNone(300);
        assertEquals("starting", get(vm).state(), "queries answer during a transition");
        first.expectNoMessage(Duration.ofMillis(100));

        start.result().complete(new VmRuntime.Launched(77));
        assertEquals("running", first.receiveMessage().getValue().state());
        assertEquals("running", second.receiveMessage().getValue().state(), "second start found it running");
        ScriptedVmRuntime.Call destroy = runtime.next();
        assertEquals("destroy", destroy.op(), "delete ran only after the start finished");
        destroy.result().complete(null);
        assertEquals("deleted", delete.receiveMessage().getValue().state());
        assertEquals(List.of("start:serial", "destroy:serial"), runtime.log);
    }

    @Test
    void lifecycleCommandsOnDifferentVmsInterleave() throws Exception {
        VmSpec a = spec("alpha");
        VmSpec b = spec("bravo");
        ActorRef<VmCommand> vmA = spawn(a);
        ActorRef<VmCommand> vmB = spawn(b);
        created(vmA, a);
        created(vmB, b);
        TestProbe<StatusReply<VmView>> ra = testKit.createTestProbe();
        TestProbe<StatusReply<VmView>> rb = testKit.createTestProbe();
        vmA.tell(new VmCommand.Start(ra.ref()));
        vmB.tell(new VmCommand.Start(rb.ref()));
        ScriptedVmRuntime.Call one = runtime.next();
        ScriptedVmRuntime.Call two = runtime.next();
        assertTrue(one.vmId().equals(a.id()) && two.vmId().equals(b.id())
                || one.vmId().equals(b.id()) && two.vmId().equals(a.id()), "both starts in flight at once");
        two.result().complete(new VmRuntime.Launched(2));
        one.result().complete(new VmRuntime.Launched(1));
        assertEquals("running", ra.receiveMessage().getValue().state());
        assertEquals("running", rb.receiveMessage().getValue().state());
    }

    @Test
    void setOnRunningVmIsRefusedWithReason() throws Exception {
        VmSpec spec = spec("busy");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        running(vm);
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(new VmCommand.Reconfigure(new PatchVmRequest(4, null, null, null), reply.ref()));
        StatusReply<VmView> r = reply.receiveMessage();
        assertTrue(r.isError());
        Rejected rej = assertInstanceOf(Rejected.class, r.getError());
        assertEquals(Rejection.Reason.CONFLICT, rej.reason());
        assertTrue(rej.getMessage().contains("running"), rej.getMessage());
        assertEquals(1, get(vm).vcpus());
    }

    @Test
    void setOnStoppedVmChangesSizesAndLabels() {
        VmSpec spec = spec("idle");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(new VmCommand.Reconfigure(new PatchVmRequest(2, 512, 1024, Map.of("team", "ops")), reply.ref()));
        VmView v = reply.receiveMessage().getValue();
        assertEquals(2, v.vcpus());
        assertEquals(512, v.memoryMib());
        assertEquals(1024, v.diskMib());
        assertEquals(Map.of("team", "ops"), v.labels());
    }

    @Test
    void crashMidStartRecoversByAdoptingALiveVmm() throws Exception {
        VmSpec spec = spec("phoenix");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        vm.tell(new VmCommand.Start(testKit.<StatusReply<VmView>>createTestProbe().ref()));
        runtime.next();
        testKit.stop(vm);

        runtime.probeAnswer = new VmRuntime.Probe(true, 999, "alive");
        ActorRef<VmCommand> again = spawn(spec);
        TestProbe<StatusReply<VmView>> stop = testKit.createTestProbe();
        again.tell(new VmCommand.Stop(stop.ref()));
        ScriptedVmRuntime.Call call = runtime.next();
        assertEquals("stop", call.op(), "stop was stashed until the adoption, then ran");
        call.result().complete("");
        assertEquals("stopped", stop.receiveMessage().getValue().state());
    }

    @Test
    void crashMidStartWithDeadVmmRecoversAsStoppedWithReason() throws Exception {
        VmSpec spec = spec("lazarus");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        vm.tell(new VmCommand.Start(testKit.<StatusReply<VmView>>createTestProbe().ref()));
        runtime.next();
        testKit.stop(vm);

        runtime.probeAnswer = new VmRuntime.Probe(false, 0, "no process 4242");
        ActorRef<VmCommand> again = spawn(spec);
        ScriptedVmRuntime.Call cleanup = runtime.next();
        assertEquals("kill", cleanup.op(), "resources of the dead VMM are released");
        cleanup.result().complete("");
        VmView v = awaitState(again, "stopped");
        assertTrue(v.stateReason().contains("no process 4242"), v.stateReason());
    }

    @Test
    void vmmDyingWhileRunningMarksVmStoppedWithReason() throws Exception {
        VmSpec spec = spec("fragile");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        running(vm);
        runtime.probeAnswer = new VmRuntime.Probe(false, 0, "pid 4242 exited");
        ScriptedVmRuntime.Call cleanup = runtime.next();
        assertEquals("kill", cleanup.op());
        cleanup.result().complete("");
        VmView v = awaitState(vm, "stopped");
        assertTrue(v.stateReason().contains("exited unexpectedly"), v.stateReason());
    }

    @Test
    void killDuringABootAbortsItInsteadOfWaitingForIt() throws Exception {
        VmSpec spec = spec("hung");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        TestProbe<StatusReply<VmView>> start = testKit.createTestProbe();
        vm.tell(new VmCommand.Start(start.ref()));
        ScriptedVmRuntime.Call boot = runtime.next();
        TestProbe<StatusReply<VmView>> kill = testKit.createTestProbe();
        vm.tell(new VmCommand.Kill(kill.ref()));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!runtime.log.contains("abort:hung") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(runtime.log.contains("abort:hung"), "the kill aborted the boot in flight: " + runtime.log);
        boot.result().completeExceptionally(new IllegalStateException("start of VM hung was aborted"));
        VmView killed = kill.receiveMessage().getValue();
        assertEquals("stopped", killed.state());
        assertEquals("killed while starting", killed.stateReason());
        assertTrue(start.receiveMessage().isError(), "the start's caller learns it did not come up");
    }

    @Test
    void commandsDuringADeleteAreAnsweredInsteadOfDropped() throws Exception {
        VmSpec spec = spec("leaving");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        TestProbe<StatusReply<VmView>> first = testKit.createTestProbe();
        vm.tell(new VmCommand.Delete(first.ref()));
        ScriptedVmRuntime.Call destroy = runtime.next();
        TestProbe<StatusReply<VmView>> start = testKit.createTestProbe();
        vm.tell(new VmCommand.Start(start.ref()));
        StatusReply<VmView> refused = start.receiveMessage();
        assertEquals(Rejection.Reason.NOT_FOUND,
                assertInstanceOf(Rejected.class, refused.getError()).reason());
        TestProbe<StatusReply<VmView>> second = testKit.createTestProbe();
        vm.tell(new VmCommand.Delete(second.ref()));
        destroy.result().complete(null);
        assertEquals("deleted", first.receiveMessage().getValue().state());
        assertEquals("deleted", second.receiveMessage().getValue().state(), "a repeated delete waits for the same end");
    }

    @Test
    void onlyARunningVmProbesItsVmm() throws Exception {
        VmSpec spec = spec("quiet");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        Thread.sleep(400);
        assertEquals(0, runtime.probes.get(), "a created VM has nothing to probe");
        running(vm);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (runtime.probes.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(runtime.probes.get() >= 2, "a running VM is probed every liveness interval");
        TestProbe<StatusReply<VmView>> stop = testKit.createTestProbe();
        vm.tell(new VmCommand.Stop(stop.ref()));
        runtime.next().result().complete("");
        assertEquals("stopped", stop.receiveMessage().getValue().state());
        int afterStop = runtime.probes.get();
        Thread.sleep(400);
        assertEquals(afterStop, runtime.probes.get(), "a stopped VM is not probed");
    }

    @Test
    void failedStartEndsFailedWithReason() throws Exception {
        VmSpec spec = spec("broken");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(new VmCommand.Start(reply.ref()));
        runtime.next().result().completeExceptionally(new IllegalStateException("kernel panic"));
        assertTrue(reply.receiveMessage().isError());
        VmView v = get(vm);
        assertEquals("failed", v.state());
        assertEquals("kernel panic", v.stateReason());
    }

    @Test
    void cancelDuringStartAbortsItThenDeletesTheVm() throws Exception {
        VmSpec spec = spec("doomed");
        ActorRef<VmCommand> vm = spawn(spec);
        TestProbe<StatusReply<VmView>> creator = testKit.createTestProbe();
        vm.tell(new VmCommand.Create(spec, true, creator.ref()));
        ScriptedVmRuntime.Call start = runtime.next();
        assertEquals("start", start.op());

        TestProbe<StatusReply<VmView>> cancel = testKit.createTestProbe();
        vm.tell(new VmCommand.CancelCreate(cancel.ref()));
        awaitLog("abort:doomed");
        cancel.expectNoMessage(Duration.ofMillis(100));
        start.result().completeExceptionally(new IllegalStateException("VMM killed"));

        ScriptedVmRuntime.Call destroy = runtime.next();
        assertEquals("destroy", destroy.op(), "everything the VM held is cleaned up");
        destroy.result().complete(null);
        assertEquals("deleted", cancel.receiveMessage().getValue().state());
        StatusReply<VmView> created = creator.receiveMessage();
        assertTrue(created.isError());
        assertTrue(created.getError().getMessage().contains("cancelled"), created.getError().getMessage());
        fleet.fishForMessage(Duration.ofSeconds(3), m -> m instanceof VmFleet.VmGone
                ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
        assertEquals(List.of("start:doomed", "abort:doomed", "destroy:doomed"), runtime.log);
    }

    @Test
    void cancelledStartThatBootedAnywayIsStillDeleted() throws Exception {
        VmSpec spec = spec("racer");
        ActorRef<VmCommand> vm = spawn(spec);
        vm.tell(new VmCommand.Create(spec, true, testKit.<StatusReply<VmView>>createTestProbe().ref()));
        ScriptedVmRuntime.Call start = runtime.next();
        TestProbe<StatusReply<VmView>> cancel = testKit.createTestProbe();
        vm.tell(new VmCommand.CancelCreate(cancel.ref()));
        awaitLog("abort:racer");
        start.result().complete(new VmRuntime.Launched(31));
        ScriptedVmRuntime.Call destroy = runtime.next();
        assertEquals("destroy", destroy.op());
        destroy.result().complete(null);
        assertEquals("deleted", cancel.receiveMessage().getValue().state());
    }

    @Test
    void cancelAfterTheVmIsRunningIsRefusedAndChangesNothing() throws Exception {
        VmSpec spec = spec("settled");
        ActorRef<VmCommand> vm = spawn(spec);
        created(vm, spec);
        running(vm);
        TestProbe<StatusReply<VmView>> cancel = testKit.createTestProbe();
        vm.tell(new VmCommand.CancelCreate(cancel.ref()));
        StatusReply<VmView> r = cancel.receiveMessage();
        Rejected rej = assertInstanceOf(Rejected.class, r.getError());
        assertEquals(Rejection.Reason.CONFLICT, rej.reason());
        assertTrue(rej.getMessage().contains("running"), rej.getMessage());
        runtime.expectNone(200);
        assertEquals("running", get(vm).state());
    }

    @Test
    void crashAfterCancelFinishesTheDeletionOnRecovery() throws Exception {
        VmSpec spec = spec("unfinished");
        ActorRef<VmCommand> vm = spawn(spec);
        vm.tell(new VmCommand.Create(spec, true, testKit.<StatusReply<VmView>>createTestProbe().ref()));
        runtime.next();
        vm.tell(new VmCommand.CancelCreate(testKit.<StatusReply<VmView>>createTestProbe().ref()));
        awaitLog("abort:unfinished");
        testKit.stop(vm);

        spawn(spec);
        ScriptedVmRuntime.Call destroy = runtime.next();
        assertEquals("destroy", destroy.op(), "the journaled cancel is carried out after a restart");
        destroy.result().complete(null);
        fleet.fishForMessage(Duration.ofSeconds(3), m -> m instanceof VmFleet.VmGone
                ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
    }

    private void awaitLog(String entry) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!runtime.log.contains(entry) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(runtime.log.contains(entry), "expected " + entry + " in " + runtime.log);
    }

    private VmView awaitState(ActorRef<VmCommand> vm, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        VmView v = get(vm);
        while (!v.state().equals(state) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            v = get(vm);
        }
        assertEquals(state, v.state());
        return v;
    }
}
