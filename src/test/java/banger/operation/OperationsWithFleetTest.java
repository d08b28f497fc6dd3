package banger.operation;

import banger.testsupport.InMemoryPersistence;
import banger.wire.OperationView;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.wire.CreateVmRequest;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.ScriptedVmRuntime;
import banger.vm.TestFleets;
import banger.vm.VmFleet;
import banger.vm.VmRuntime;
import banger.wire.VmView;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The registry over a real fleet and real VM actors; only the host side effects are scripted. */
class OperationsWithFleetTest {

    static final ActorTestKit testKit = InMemoryPersistence.testKit();
    static final ScriptedVmRuntime runtime = new ScriptedVmRuntime();
    static ActorRef<VmFleet.Command> fleet;
    static ActorRef<OperationRegistry.Command> registry;

    @BeforeAll
    static void setUp() {
        fleet = TestFleets.start(testKit, runtime).fleet();
        registry = testKit.spawn(OperationRegistry.create(fleet, new OperationSettings(Duration.ofHours(1),
                Duration.ofMinutes(1), Duration.ofSeconds(3), Duration.ofSeconds(20)), Clock.systemUTC()));
    }

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    static CreateVmRequest request(String name) {
        return new CreateVmRequest(name, null, null, null, null, true, Map.of());
    }

    private StatusReply<OperationView> create(CreateVmRequest request, String key) {
        TestProbe<StatusReply<OperationView>> reply = testKit.createTestProbe();
        registry.tell(new OperationRegistry.CreateVm(request, key, reply.ref()));
        return reply.receiveMessage(Duration.ofSeconds(5));
    }

    private OperationView get(String id) {
        TestProbe<StatusReply<OperationView>> reply = testKit.createTestProbe();
        registry.tell(new OperationRegistry.Get(id, reply.ref()));
        return reply.receiveMessage().getValue();
    }

    private OperationView finished(String id) {
        TestProbe<StatusReply<OperationView>> reply = testKit.createTestProbe();
        registry.tell(new OperationRegistry.AwaitFinished(id, reply.ref()));
        return reply.receiveMessage(Duration.ofSeconds(5)).getValue();
    }

    private List<String> vmNames() {
        TestProbe<List<VmView>> probe = testKit.createTestProbe();
        fleet.tell(new VmFleet.ListVms(probe.ref()));
        return probe.receiveMessage().stream().map(VmView::name).toList();
    }

    private static ScriptedVmRuntime.Call nextCall(String op) throws InterruptedException {
        ScriptedVmRuntime.Call call = runtime.next();
        assertEquals(op, call.op(), "log: " + runtime.log);
        return call;
    }

    @Test
    void createRunsUntilTheVmIsStartedThenSucceeds() throws Exception {
        OperationView accepted = create(request("happy"), null).getValue();
        assertEquals("running", accepted.state());
        assertEquals("create_vm", accepted.kind());
        assertEquals("happy", accepted.vm());
        assertNotNull(accepted.vmId());
        ScriptedVmRuntime.Call start = nextCall("start");
        assertEquals("running", get(accepted.id()).state(), "still running while the VM boots");

        start.result().complete(new VmRuntime.Launched(100));
        OperationView done = finished(accepted.id());
        assertEquals("succeeded", done.state());
        assertEquals(accepted.vmId(), done.vmId());
        assertNotNull(done.finishedAt());
        assertTrue(vmNames().contains("happy"));
    }

    @Test
    void failedStartEndsTheOperationFailedWithTheReason() throws Exception {
        OperationView accepted = create(request("sad"), null).getValue();
        nextCall("start").result().completeExceptionally(new IllegalStateException("kernel panic"));
        OperationView done = finished(accepted.id());
        assertEquals("failed", done.state());
        assertEquals("operation_failed", done.error().code());
        assertTrue(done.error().message().contains("kernel panic"), done.error().message());
    }

    @Test
    void refusedCreateAnswersTheRefusalAndIsRecordedFailed() {
        StatusReply<OperationView> r = create(new CreateVmRequest("ghost", "nope", null, null, null, true, Map.of()),
                "key-ghost");
        Rejected rej = assertInstanceOf(Rejected.class, r.getError());
        assertEquals(Rejection.Reason.UNKNOWN_IMAGE, rej.reason());
        StatusReply<OperationView> again = create(new CreateVmRequest("ghost", "nope", null, null, null, true,
                Map.of()), "key-ghost");
        assertEquals(Rejection.Reason.UNKNOWN_IMAGE,
                assertInstanceOf(Rejected.class, again.getError()).reason(), "a replay answers the same");
    }

    @Test
    void cancelDuringStartAbortsCleansUpAndFreesTheName() throws Exception {
        OperationView accepted = create(request("doomed"), null).getValue();
        ScriptedVmRuntime.Call start = nextCall("start");

        TestProbe<StatusReply<OperationView>> cancel = testKit.createTestProbe();
        registry.tell(new OperationRegistry.Cancel(accepted.id(), cancel.ref()));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!runtime.log.contains("abort:doomed") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(runtime.log.contains("abort:doomed"), "the start in flight is aborted: " + runtime.log);
        start.result().completeExceptionally(new IllegalStateException("VMM killed"));
        nextCall("destroy").result().complete(null);

        OperationView cancelled = cancel.receiveMessage(Duration.ofSeconds(5)).getValue();
        assertEquals("cancelled", cancelled.state());
        assertEquals("cancelled", get(accepted.id()).state());
        assertEquals("cancelled", finished(accepted.id()).state());
        StatusReply<OperationView> reused = null;
        for (int i = 0; i < 50 && (reused == null || reused.isError()); i++) {
            Thread.sleep(20);
            reused = create(request("doomed"), null);
        }
        assertTrue(reused.isSuccess(), "the name is free again");
        assertFalse(reused.getValue().vmId().equals(accepted.vmId()));
        nextCall("start").result().complete(new VmRuntime.Launched(5));
        assertEquals("succeeded", finished(reused.getValue().id()).state());
    }

    @Test
    void cancelAfterSuccessIsRefusedAndTheVmStays() throws Exception {
        OperationView accepted = create(request("kept"), null).getValue();
        nextCall("start").result().complete(new VmRuntime.Launched(7));
        finished(accepted.id());
        TestProbe<StatusReply<OperationView>> cancel = testKit.createTestProbe();
        registry.tell(new OperationRegistry.Cancel(accepted.id(), cancel.ref()));
        Rejected rej = assertInstanceOf(Rejected.class, cancel.receiveMessage().getError());
        assertEquals(Rejection.Reason.CONFLICT, rej.reason());
        assertTrue(rej.getMessage().contains("succeeded"), rej.getMessage());
        assertTrue(vmNames().contains("kept"));
    }

    @Test
    void repeatedIdempotencyKeyGivesTheSameOperationAndOneVm() throws Exception {
        OperationView first = create(request("once"), "key-once").getValue();
        OperationView second = create(request("once"), "key-once").getValue();
        assertEquals(first.id(), second.id());
        nextCall("start").result().complete(new VmRuntime.Launched(9));
        runtime.expectNone(200);
        assertEquals(1, vmNames().stream().filter("once"::equals).count());

        StatusReply<OperationView> other = create(new CreateVmRequest("once", null, 2, null, null, true, Map.of()),
                "key-once");
        Rejected rej = assertInstanceOf(Rejected.class, other.getError());
        assertEquals(Rejection.Reason.CONFLICT, rej.reason());
        assertTrue(rej.getMessage().contains("different request"), rej.getMessage());
        assertEquals("succeeded", finished(first.id()).state());
    }

    @Test
    void listsOperationsNewestFirst() throws Exception {
        OperationView a = create(new CreateVmRequest("first", null, null, null, null, false, Map.of()), null)
                .getValue();
        Thread.sleep(5);
        OperationView b = create(new CreateVmRequest("second", null, null, null, null, false, Map.of()), null)
                .getValue();
        TestProbe<List<OperationView>> list = testKit.createTestProbe();
        registry.tell(new OperationRegistry.ListOperations(list.ref()));
        List<String> ids = list.receiveMessage().stream().map(OperationView::id).toList();
        assertTrue(ids.indexOf(b.id()) < ids.indexOf(a.id()), ids.toString());
        assertEquals("succeeded", finished(a.id()).state(), "a create without start succeeds once created");
    }
}
