package banger.vm;

import banger.testsupport.InMemoryPersistence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.CreateVmRequest;
import banger.wire.EgressPolicy;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A VM's ttl and idle timeout in its actor: one timer, extended by PATCH and activity, recovered from the journal. */
class VmExpiryTest {

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

    private static VmSpec spec(String name, Integer ttlS, Integer idleS, ExpiryAction action) {
        return new VmSpec(UUID.randomUUID().toString().substring(0, 8), name, "tiny", 1, 256, 512, "172.30.0.9",
                Map.of(), EgressPolicy.ALLOW, new VmExpiry(ttlS, idleS, action));
    }

    /** The next side effect; generous, as the first persist of a fresh test kit is slow on a loaded host. */
    private ScriptedVmRuntime.Call next(long seconds) throws InterruptedException {
        return runtime.next(seconds);
    }

    private VmView start(ActorRef<VmCommand> vm, VmSpec spec) throws InterruptedException {
        TestProbe<StatusReply<VmView>> created = testKit.createTestProbe();
        vm.tell(new VmCommand.Create(spec, true, created.ref()));
        ScriptedVmRuntime.Call start = next(30);
        assertEquals("start", start.op());
        start.result().complete(new VmRuntime.Launched(4242));
        return created.receiveMessage(Duration.ofSeconds(30)).getValue();
    }

    private VmView get(ActorRef<VmCommand> vm) {
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(new VmCommand.Get(reply.ref()));
        return reply.receiveMessage(Duration.ofSeconds(10)).getValue();
    }

    @Test
    void aTtlCountsFromTheStartAndDeletesTheVmWhenItPasses() throws Exception {
        VmSpec spec = spec("short", 2, null, ExpiryAction.DELETE);
        ActorRef<VmCommand> vm = spawn(spec);
        VmView running = start(vm, spec);
        assertEquals("running", running.state());
        assertEquals("delete", running.onExpiry());
        assertNotNull(running.expiresAt());
        Instant started = running.updatedAt();
        assertEquals(started.plusSeconds(2), running.expiresAt(), "ttl counted from the start");

        ScriptedVmRuntime.Call destroy = next(20);
        assertEquals("destroy", destroy.op(), runtime.log.toString());
        assertFalse(Instant.now().isBefore(running.expiresAt()), "not before the deadline");
        assertEquals("deleting", get(vm).state());
        destroy.result().complete(null);
    }

    @Test
    void activityKeepsAnIdleVmRunningAndItStopsOnceActivityStops() throws Exception {
        VmSpec spec = spec("idler", null, 2, ExpiryAction.STOP);
        ActorRef<VmCommand> vm = spawn(spec);
        assertNotNull(start(vm, spec).idleExpiresAt());
        TestProbe<StatusReply<Done>> touched = testKit.createTestProbe();
        Instant until = Instant.now().plusSeconds(4);
        Instant lastTouch = Instant.now();
        while (Instant.now().isBefore(until)) {
            lastTouch = Instant.now();
            vm.tell(new VmCommand.Touch(touched.ref()));
            assertTrue(touched.receiveMessage(Duration.ofSeconds(10)).isSuccess());
            runtime.expectNone(400);
        }
        assertEquals("running", get(vm).state(), "4 s of activity outlived a 2 s idle timeout");

        ScriptedVmRuntime.Call stop = next(20);
        assertEquals("stop", stop.op(), runtime.log.toString());
        assertFalse(Instant.now().isBefore(lastTouch.plusSeconds(2)), "only after activity stopped for 2 s");
        stop.result().complete("powered off");
        assertTrue(awaitState(vm, "stopped"), runtime.log.toString());
        VmView stopped = get(vm);
        assertTrue(stopped.stateReason().startsWith("expired (idle)"), stopped.stateReason());
        assertNull(stopped.idleExpiresAt(), "a stopped VM has no deadline");
    }

    @Test
    void aPatchCountsTheTtlAgainFromNowAndAnUnknownActionIsRefused() throws Exception {
        VmSpec spec = spec("kept", 3, null, ExpiryAction.STOP);
        ActorRef<VmCommand> vm = spawn(spec);
        VmView running = start(vm, spec);
        TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
        vm.tell(new VmCommand.SetExpiry(patch(600, null, null), reply.ref()));
        VmView extended = reply.receiveMessage(Duration.ofSeconds(10)).getValue();
        assertTrue(extended.expiresAt().isAfter(running.expiresAt().plusSeconds(500)), extended.toString());
        runtime.expectNone(4000);
        assertEquals("running", get(vm).state());

        vm.tell(new VmCommand.SetExpiry(patch(null, null, "hibernate"), reply.ref()));
        Rejected refused = assertInstanceOf(Rejected.class, reply.receiveMessage(Duration.ofSeconds(10)).getError());
        assertEquals(Rejection.Reason.INVALID_REQUEST, refused.reason());
        assertTrue(refused.getMessage().contains("stop, delete or suspend"), refused.getMessage());

        vm.tell(new VmCommand.SetExpiry(patch(0, null, null), reply.ref()));
        VmView none = reply.receiveMessage(Duration.ofSeconds(10)).getValue();
        assertNull(none.expiresAt(), "ttl 0 removes the rule");
        assertNull(none.onExpiry());
    }

    @Test
    void aDeadlineThatPassedWhileTheActorWasDownFiresAtRecovery() throws Exception {
        VmSpec spec = spec("sleeper", 2, null, ExpiryAction.STOP);
        ActorRef<VmCommand> vm = spawn(spec);
        VmView running = start(vm, spec);
        testKit.stop(vm);
        while (Instant.now().isBefore(running.expiresAt().plusMillis(500))) {
            runtime.expectNone(100);
        }
        ActorRef<VmCommand> recovered = spawn(spec);
        ScriptedVmRuntime.Call stop = next(20);
        assertEquals("stop", stop.op(), "adopted (the VMM is alive) and expired at once: " + runtime.log);
        stop.result().complete("powered off");
        assertTrue(awaitState(recovered, "stopped"), runtime.log.toString());
        assertTrue(get(recovered).stateReason().startsWith("expired (ttl)"), get(recovered).stateReason());
    }

    @Test
    void createRequestsTakeTheFleetDefaultsAndAreChecked() {
        VmExpiry defaults = new VmExpiry(3600, null, ExpiryAction.DELETE);
        VmExpiry own = VmExpiry.forCreate(create(20, null, null), defaults);
        assertEquals(new VmExpiry(20, null, ExpiryAction.DELETE), own);
        assertEquals(defaults, VmExpiry.forCreate(create(null, null, null), defaults));
        Rejected bad = org.junit.jupiter.api.Assertions.assertThrows(Rejected.class,
                () -> VmExpiry.forCreate(create(-1, null, null), defaults));
        assertEquals("ttl_s", bad.rejection().details().get("field"));
        assertThrowsInvalid(() -> VmExpiry.forCreate(create(null, null, "explode"), defaults));
    }

    private static void assertThrowsInvalid(org.junit.jupiter.api.function.Executable call) {
        Rejected r = org.junit.jupiter.api.Assertions.assertThrows(Rejected.class, call);
        assertEquals(Rejection.Reason.INVALID_REQUEST, r.reason());
    }

    private static CreateVmRequest create(Integer ttl, Integer idle, String action) {
        return new CreateVmRequest("x", null, null, null, null, true, null, null, ttl, idle, action);
    }

    private static PatchVmRequest patch(Integer ttl, Integer idle, String action) {
        return new PatchVmRequest(null, null, null, null, null, ttl, idle, action);
    }

    private boolean awaitState(ActorRef<VmCommand> vm, String state) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            if (state.equals(get(vm).state())) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }
}
