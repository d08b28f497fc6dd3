package banger.vm;

import banger.testsupport.InMemoryPersistence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.EgressPolicy;
import banger.wire.VmView;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Suspend and warm start in the VM actor, with the stand-in runtime: the transitions, what is journaled and recovered,
 * the refusals, the cold-boot fallback's reason, a suspend a restart interrupted, and {@code on_expiry: suspend}.
 */
class VmSuspendTest {

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
        return spec(name, VmExpiry.NONE);
    }

    private static VmSpec spec(String name, VmExpiry expiry) {
        return new VmSpec(UUID.randomUUID().toString().substring(0, 8), name, "tiny", 1, 256, 512, "172.30.0.9",
                Map.of(), EgressPolicy.ALLOW, expiry);
    }

    private ScriptedVmRuntime.Call expect(String op) throws InterruptedException {
        ScriptedVmRuntime.Call call = runtime.next(30);
        assertEquals(op, call.op(), runtime.log.toString());
        return call;
    }

    private TestProbe<StatusReply<VmView>> send(ActorRef<VmCommand> vm,
                                                Function<ActorRef<StatusReply<VmView>>, VmCommand> c) {
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(c.apply(reply.ref()));
        return reply;
    }

    private static VmView ok(TestProbe<StatusReply<VmView>> reply) {
        StatusReply<VmView> r = reply.receiveMessage(Duration.ofSeconds(30));
        assertTrue(r.isSuccess(), () -> "refused: " + r.getError());
        return r.getValue();
    }

    private static Rejected refused(TestProbe<StatusReply<VmView>> reply) {
        return assertInstanceOf(Rejected.class, reply.receiveMessage(Duration.ofSeconds(30)).getError());
    }

    private void started(ActorRef<VmCommand> vm, VmSpec spec) throws InterruptedException {
        TestProbe<StatusReply<VmView>> created = send(vm, r -> new VmCommand.Create(spec, true, r));
        expect("start").result().complete(new VmRuntime.Launched(4242));
        assertEquals("running", ok(created).state());
    }

    private VmView suspended(ActorRef<VmCommand> vm, long bytes) throws InterruptedException {
        TestProbe<StatusReply<VmView>> suspend = send(vm, VmCommand.Suspend::new);
        expect("suspend").result().complete(bytes);
        return ok(suspend);
    }

    /** The VM's view once it is in {@code state} (asked every 50 ms, for up to 20 s). */
    private VmView awaitState(ActorRef<VmCommand> vm, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        VmView view = ok(send(vm, VmCommand.Get::new));
        while (!state.equals(view.state()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            view = ok(send(vm, VmCommand.Get::new));
        }
        assertEquals(state, view.state(), view.toString());
        return view;
    }

    @Test
    void aSuspendedVmHasItsSavedStateCountedRecoversSuspendedAndAStartResumesItWarm() throws Exception {
        VmSpec spec = spec("sleeper");
        ActorRef<VmCommand> vm = spawn(spec);
        started(vm, spec);
        TestProbe<StatusReply<VmView>> suspend = send(vm, VmCommand.Suspend::new);
        ScriptedVmRuntime.Call save = expect("suspend");
        assertEquals("suspending", ok(send(vm, VmCommand.Get::new)).state());
        // a start asked while the state is saved waits for the suspend, then resumes it
        TestProbe<StatusReply<VmView>> early = send(vm, VmCommand.Start::new);
        early.expectNoMessage(Duration.ofMillis(200));
        save.result().complete(123_456L);
        VmView asleep = ok(suspend);
        assertEquals("suspended", asleep.state());
        assertNull(asleep.pid(), "no VMM runs for a suspended VM");
        assertEquals(123_456L, asleep.savedState().bytes());
        assertNotNull(asleep.savedState().savedAt());

        expect("warm-start").result().complete(new VmRuntime.Launched(77, true, null));
        VmView awake = ok(early);
        assertEquals("running", awake.state());
        assertEquals(77L, awake.pid());
        assertEquals("warm", awake.lastStart().kind());
        assertNull(awake.lastStart().coldBootReason());
        assertNull(awake.savedState(), "a start takes the saved state");

        suspended(vm, 99L);
        testKit.stop(vm);
        ActorRef<VmCommand> recovered = spawn(spec);
        VmView after = ok(send(recovered, VmCommand.Get::new));
        assertEquals("suspended", after.state(), "a suspended VM is suspended after a restart");
        assertEquals(99L, after.savedState().bytes());
        runtime.expectNone(300);
    }

    @Test
    void aStartThatCannotUseTheSavedStateBootsColdAndRecordsWhy() throws Exception {
        VmSpec spec = spec("cold");
        ActorRef<VmCommand> vm = spawn(spec);
        started(vm, spec);
        suspended(vm, 10L);
        TestProbe<StatusReply<VmView>> start = send(vm, VmCommand.Start::new);
        expect("warm-start").result().complete(new VmRuntime.Launched(78, false, "the disk changed since the suspend"));
        VmView booted = ok(start);
        assertEquals("running", booted.state());
        assertEquals("cold", booted.lastStart().kind());
        assertEquals("the disk changed since the suspend", booted.lastStart().coldBootReason());
        assertNull(booted.savedState());
    }

    @Test
    void aPausedVmSuspendsAndAFailedSuspendLeavesTheVmAsItWas() throws Exception {
        VmSpec spec = spec("frozen");
        ActorRef<VmCommand> vm = spawn(spec);
        started(vm, spec);
        TestProbe<StatusReply<VmView>> failing = send(vm, VmCommand.Suspend::new);
        expect("suspend").result().completeExceptionally(new IllegalStateException("migration failed: disk full"));
        Rejected failed = refused(failing);
        assertEquals(Rejection.Reason.OPERATION_FAILED, failed.reason());
        assertTrue(failed.getMessage().contains("disk full"), failed.getMessage());
        VmView running = ok(send(vm, VmCommand.Get::new));
        assertEquals("running", running.state());
        assertEquals(4242L, running.pid());
        assertNull(running.savedState());

        TestProbe<StatusReply<VmView>> pause = send(vm, VmCommand.Pause::new);
        expect("pause").result().complete(null);
        assertEquals("paused", ok(pause).state());
        TestProbe<StatusReply<VmView>> again = send(vm, VmCommand.Suspend::new);
        expect("suspend-paused").result().completeExceptionally(new IllegalStateException("QMP gone"));
        refused(again);
        assertEquals("paused", ok(send(vm, VmCommand.Get::new)).state(), "a failed suspend of a paused VM leaves it paused");

        TestProbe<StatusReply<VmView>> suspend = send(vm, VmCommand.Suspend::new);
        expect("suspend-paused").result().complete(5L);
        assertEquals("suspended", ok(suspend).state());
    }

    @Test
    void onlyARunningOrPausedVmSuspendsAndASuspendedVmIsStoppedByDiscardingItsState() throws Exception {
        VmSpec spec = spec("picky");
        ActorRef<VmCommand> vm = spawn(spec);
        assertEquals("created", ok(send(vm, r -> new VmCommand.Create(spec, false, r))).state());
        Rejected notRunning = refused(send(vm, VmCommand.Suspend::new));
        assertEquals(Rejection.Reason.CONFLICT, notRunning.reason());
        assertTrue(notRunning.getMessage().contains("only a running or paused VM"), notRunning.getMessage());

        TestProbe<StatusReply<VmView>> start = send(vm, VmCommand.Start::new);
        expect("start").result().complete(new VmRuntime.Launched(1));
        ok(start);
        suspended(vm, 7L);
        assertEquals("suspended", ok(send(vm, VmCommand.Suspend::new)).state(), "a suspend of a suspended VM answers it");
        assertEquals(Rejection.Reason.CONFLICT, refused(send(vm, VmCommand.Pause::new)).reason());
        assertEquals(Rejection.Reason.CONFLICT, refused(send(vm, VmCommand.Resume::new)).reason());
        runtime.expectNone(200);

        TestProbe<StatusReply<VmView>> stop = send(vm, VmCommand.Stop::new);
        expect("kill").result().complete("");
        VmView stopped = ok(stop);
        assertEquals("stopped", stopped.state());
        assertTrue(stopped.stateReason().contains("saved state discarded"), stopped.stateReason());
        assertNull(stopped.savedState());
        Rejected again = refused(send(vm, VmCommand.Suspend::new));
        assertEquals(Rejection.Reason.CONFLICT, again.reason());
    }

    @Test
    void aSuspendTheDaemonsDeathInterruptedIsFinishedAfterRecovery() throws Exception {
        VmSpec spec = spec("interrupted");
        ActorRef<VmCommand> vm = spawn(spec);
        started(vm, spec);
        send(vm, VmCommand.Suspend::new);
        expect("suspend");
        testKit.stop(vm);

        ActorRef<VmCommand> recovered = spawn(spec);
        // the runtime is asked again: it saves a VMM that still runs, or answers the state a finished save kept
        expect("suspend").result().complete(64L);
        VmView view = awaitState(recovered, "suspended");
        assertEquals(64L, view.savedState().bytes());

        TestProbe<StatusReply<VmView>> start = send(recovered, VmCommand.Start::new);
        ScriptedVmRuntime.Call warm = expect("warm-start");
        // a kill during the warm start aborts it: the VM ends stopped (its saved state went with the start)
        TestProbe<StatusReply<VmView>> kill = send(recovered, VmCommand.Kill::new);
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!runtime.log.contains("abort:interrupted") && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertTrue(runtime.log.contains("abort:interrupted"), runtime.log.toString());
        warm.result().completeExceptionally(new IllegalStateException("start of VM interrupted was aborted"));
        refused(start);
        VmView killed = ok(kill);
        assertEquals("stopped", killed.state());
        assertNull(killed.savedState());
    }

    @Test
    void aRecoveredSuspendThatCannotFinishWithItsVmmAliveLeavesTheVmRunning() throws Exception {
        VmSpec spec = spec("unlucky");
        ActorRef<VmCommand> vm = spawn(spec);
        started(vm, spec);
        send(vm, VmCommand.Suspend::new);
        expect("suspend");
        testKit.stop(vm);

        ActorRef<VmCommand> recovered = spawn(spec);
        expect("suspend").result().completeExceptionally(new IllegalStateException("no running VMM and no state"));
        VmView view = awaitState(recovered, "running");
        assertTrue(view.stateReason().startsWith("suspend failed"), view.stateReason());
    }

    @Test
    void anExpiryWithOnExpirySuspendSuspendsTheVm() throws Exception {
        VmSpec spec = spec("napper", new VmExpiry(1, null, ExpiryAction.SUSPEND));
        ActorRef<VmCommand> vm = spawn(spec);
        started(vm, spec);
        expect("suspend").result().complete(11L);
        VmView view = awaitState(vm, "suspended");
        assertNull(view.expiresAt(), "a suspended VM's ttl does not run");
        assertEquals("suspend", view.onExpiry());
    }

    @Test
    void anExpirysSuspendThatFailsStopsTheVmInstead() throws Exception {
        VmSpec spec = spec("insomniac", new VmExpiry(1, null, ExpiryAction.SUSPEND));
        ActorRef<VmCommand> vm = spawn(spec);
        started(vm, spec);
        expect("suspend").result().completeExceptionally(new IllegalStateException("no space left on device"));
        expect("kill").result().complete("");
        VmView view = awaitState(vm, "stopped");
        assertTrue(view.stateReason().contains("expired (ttl); the suspend failed: no space left on device"),
                view.stateReason());
        runtime.expectNone(300);
    }

    @Test
    void aFailedSuspendWhoseVmmIsGoneStopsTheVm() throws Exception {
        VmSpec spec = spec("goner");
        ActorRef<VmCommand> vm = spawn(spec);
        started(vm, spec);
        TestProbe<StatusReply<VmView>> suspend = send(vm, VmCommand.Suspend::new);
        runtime.probeAnswer = new VmRuntime.Probe(false, 4242, "VMM process 4242 is gone");
        expect("suspend").result().completeExceptionally(new IllegalStateException("qemu exited while saving"));
        assertEquals(Rejection.Reason.OPERATION_FAILED, refused(suspend).reason());
        expect("kill").result().complete("");
        VmView view = awaitState(vm, "stopped");
        assertTrue(view.stateReason().contains("did not survive a failed suspend"), view.stateReason());
    }
}
