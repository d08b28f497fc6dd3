package banger.operation;

import banger.testsupport.InMemoryPersistence;
import banger.wire.OperationView;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.wire.CreateVmRequest;
import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmCommand;
import banger.vm.VmFleet;
import banger.wire.VmView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registry against a scripted fleet: the in-between states, restarts and pruning. */
class OperationRegistryTest {

    static final ActorTestKit testKit = InMemoryPersistence.testKit();
    static final PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());

    private final TestProbe<VmFleet.Command> fleet = testKit.createTestProbe();
    private final MovableClock clock = new MovableClock(Instant.parse("2030-01-01T00:00:00Z"));
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

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        private final AtomicReference<Instant> now;

        MovableClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private ActorRef<OperationRegistry.Command> start(Duration pruneInterval) {
        registry = testKit.spawn(OperationRegistry.create(fleet.ref(), new OperationSettings(Duration.ofHours(1),
                pruneInterval, Duration.ofSeconds(2), Duration.ofSeconds(10)), clock));
        return registry;
    }

    /** Starts the registry with a scripted image side: its creates first ask that probe for their image. */
    private TestProbe<ImageOperations.Command> startWithImages() {
        TestProbe<ImageOperations.Command> images = testKit.createTestProbe();
        registry = testKit.spawn(OperationRegistry.create(fleet.ref(), images.ref(), new OperationSettings(
                Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofSeconds(2), Duration.ofSeconds(10)), clock));
        return images;
    }

    private void restart() {
        testKit.stop(registry);
        start(Duration.ofMinutes(1));
    }

    private TestProbe<StatusReply<OperationView>> createAsync(String name, String key) {
        TestProbe<StatusReply<OperationView>> reply = testKit.createTestProbe();
        registry.tell(new OperationRegistry.CreateVm(new CreateVmRequest(name, null, null, null, null, true, Map.of()),
                key, reply.ref()));
        return reply;
    }

    private StatusReply<OperationView> get(String id) {
        TestProbe<StatusReply<OperationView>> reply = testKit.createTestProbe();
        registry.tell(new OperationRegistry.Get(id, reply.ref()));
        return reply.receiveMessage();
    }

    private OperationView only() {
        TestProbe<java.util.List<OperationView>> list = testKit.createTestProbe();
        registry.tell(new OperationRegistry.ListOperations(list.ref()));
        java.util.List<OperationView> all = list.receiveMessage();
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }

    private static VmView vm(String id, String name, String state) {
        return new VmView(id, name, state, null, "tiny", 1, 256, 512, null, null, Map.of(), Instant.now(),
                Instant.now());
    }

    /** Accepts the next create the fleet receives as VM {@code vmId}; returns it for the outcome. */
    private VmFleet.Create accept(String vmId) {
        VmFleet.Create create = fleet.expectMessageClass(VmFleet.Create.class);
        create.accepted().tell(new VmFleet.Accepted(vmId, create.request().name()));
        return create;
    }

    @Test
    void operationIsPendingUntilTheFleetRegistersTheVmThenRunning() {
        start(Duration.ofMinutes(1));
        TestProbe<StatusReply<OperationView>> reply = createAsync("slow", null);
        VmFleet.Create create = fleet.expectMessageClass(VmFleet.Create.class);
        reply.expectNoMessage(Duration.ofMillis(100));
        assertEquals("pending", only().state());

        create.accepted().tell(new VmFleet.Accepted("vm-slow", "slow"));
        OperationView running = reply.receiveMessage().getValue();
        assertEquals("running", running.state());
        assertEquals("vm-slow", running.vmId());
        create.replyTo().tell(StatusReply.success(vm("vm-slow", "slow", "running")));
        TestProbe<StatusReply<OperationView>> done = testKit.createTestProbe();
        registry.tell(new OperationRegistry.AwaitFinished(running.id(), done.ref()));
        assertEquals("succeeded", done.receiveMessage().getValue().state());
    }

    @Test
    void aCreateCancelledWhileItWaitsOnItsCatalogImageEndsCancelledAtOnceAndNeverAsksTheFleet() {
        TestProbe<ImageOperations.Command> images = startWithImages();
        TestProbe<StatusReply<OperationView>> reply = createAsync("waits", null);
        ImageOperations.Ensure ensure = images.expectMessageClass(ImageOperations.Ensure.class);
        ensure.replyTo().tell(new ImageOperations.Ensured(ImageOperations.Ensured.Status.FETCHING, null));
        OperationView pending = reply.receiveMessage().getValue();
        assertEquals("pending", pending.state());

        TestProbe<StatusReply<OperationView>> cancel = testKit.createTestProbe();
        registry.tell(new OperationRegistry.Cancel(pending.id(), cancel.ref()));
        assertEquals("cancelled", cancel.receiveMessage().getValue().state(), "answered before the image is there");

        ensure.replyTo().tell(new ImageOperations.Ensured(ImageOperations.Ensured.Status.READY, null));
        fleet.expectNoMessage(Duration.ofMillis(300));
        assertEquals("cancelled", get(pending.id()).getValue().state());
    }

    @Test
    void aCreateCancelledJustAfterItsImageArrivedCancelsTheVmTheFleetRegisters() {
        TestProbe<ImageOperations.Command> images = startWithImages();
        TestProbe<StatusReply<OperationView>> reply = createAsync("late", null);
        ImageOperations.Ensure ensure = images.expectMessageClass(ImageOperations.Ensure.class);
        ensure.replyTo().tell(new ImageOperations.Ensured(ImageOperations.Ensured.Status.READY, null));
        VmFleet.Create create = fleet.expectMessageClass(VmFleet.Create.class);

        TestProbe<StatusReply<OperationView>> cancel = testKit.createTestProbe();
        String id = only().id();
        registry.tell(new OperationRegistry.Cancel(id, cancel.ref()));
        cancel.expectNoMessage(Duration.ofMillis(200));
        assertEquals("pending", get(id).getValue().state(), "the fleet was asked: the cancel waits for its VM");

        TestProbe<VmCommand> vm = testKit.createTestProbe();
        create.accepted().tell(new VmFleet.Accepted("vm-late", "late"));
        assertEquals("running", reply.receiveMessage().getValue().state());
        resolveTo(vm);
        VmCommand.CancelCreate cancelCreate = vm.expectMessageClass(VmCommand.CancelCreate.class);
        cancelCreate.replyTo().tell(StatusReply.success(vm("vm-late", "late", "deleted")));
        assertEquals("cancelled", cancel.receiveMessage().getValue().state());
    }

    @Test
    void afterRestartARunningOperationSucceedsIfItsVmReachedRunning() {
        start(Duration.ofMinutes(1));
        TestProbe<StatusReply<OperationView>> reply = createAsync("phoenix", null);
        accept("vm-phoenix");
        String id = reply.receiveMessage().getValue().id();

        restart();
        VmFleet.Resolve resolve = fleet.expectMessageClass(VmFleet.Resolve.class);
        assertEquals("vm-phoenix", resolve.ref());
        TestProbe<VmCommand> vm = testKit.createTestProbe();
        resolve.replyTo().tell(StatusReply.success(vm.ref()));
        vm.expectMessageClass(VmCommand.Get.class).replyTo()
                .tell(StatusReply.success(vm("vm-phoenix", "phoenix", "starting")));
        // still starting (the VM is being checked against the host): asked again a moment later
        resolve = fleet.expectMessageClass(VmFleet.Resolve.class, Duration.ofSeconds(3));
        resolve.replyTo().tell(StatusReply.success(vm.ref()));
        vm.expectMessageClass(VmCommand.Get.class).replyTo()
                .tell(StatusReply.success(vm("vm-phoenix", "phoenix", "running")));
        awaitState(id, "succeeded");
    }

    @Test
    void afterRestartOperationsInFlightFailWhenTheirVmDidNotRun() {
        start(Duration.ofMinutes(1));
        TestProbe<StatusReply<OperationView>> running = createAsync("lost", null);
        accept("vm-lost");
        String runningId = running.receiveMessage().getValue().id();
        createAsync("limbo", null);
        fleet.expectMessageClass(VmFleet.Create.class);

        restart();
        TestProbe<VmCommand> vm = testKit.createTestProbe();
        for (int i = 0; i < 2; i++) {
            // "limbo" never reached the fleet: looked up by name, it is not there
            VmFleet.Resolve resolve = fleet.expectMessageClass(VmFleet.Resolve.class);
            resolve.replyTo().tell(resolve.ref().equals("limbo")
                    ? StatusReply.error(new Rejected(Rejection.Reason.NOT_FOUND, "no VM limbo"))
                    : StatusReply.success(vm.ref()));
        }
        VmView stopped = new VmView("vm-lost", "lost", "stopped", "VMM not running after daemon restart", "tiny", 1,
                256, 512, null, null, Map.of(), Instant.now(), Instant.now());
        vm.expectMessageClass(VmCommand.Get.class).replyTo().tell(StatusReply.success(stopped));
        // the interrupted boot is resumed once; here it fails again, and the operation ends as its VM did
        resolveTo(vm);
        vm.expectMessageClass(VmCommand.Start.class).replyTo().tell(StatusReply.error(
                new Rejected(Rejection.Reason.OPERATION_FAILED, "VMM exited during boot")));
        resolveTo(vm);
        vm.expectMessageClass(VmCommand.Get.class).replyTo().tell(StatusReply.success(stopped));
        OperationView failed = awaitState(runningId, "failed");
        assertTrue(failed.error().message().contains("daemon restarted"), failed.error().message());
        assertTrue(failed.error().message().contains("stopped"), failed.error().message());

        TestProbe<java.util.List<OperationView>> list = testKit.createTestProbe();
        registry.tell(new OperationRegistry.ListOperations(list.ref()));
        OperationView limbo = list.receiveMessage().stream().filter(o -> o.vm().equals("limbo")).findFirst()
                .orElseThrow();
        assertEquals("failed", limbo.state());
        assertTrue(limbo.error().message().contains("before the VM was registered"), limbo.error().message());
    }

    private void resolveTo(TestProbe<VmCommand> vm) {
        VmFleet.Resolve resolve = fleet.expectMessageClass(VmFleet.Resolve.class);
        resolve.replyTo().tell(StatusReply.success(vm.ref()));
    }

    @Test
    void anInterruptedBootIsResumedAfterARestartAndTheCreateSucceedsWithItsVm() {
        start(Duration.ofMinutes(1));
        TestProbe<StatusReply<OperationView>> running = createAsync("phoenix", null);
        accept("vm-phoenix");
        String id = running.receiveMessage().getValue().id();

        restart();
        TestProbe<VmCommand> vm = testKit.createTestProbe();
        resolveTo(vm);
        vm.expectMessageClass(VmCommand.Get.class).replyTo().tell(StatusReply.success(new VmView("vm-phoenix",
                "phoenix", "stopped", "VMM not running after daemon restart", "tiny", 1, 256, 512, null, null,
                Map.of(), Instant.now(), Instant.now())));
        resolveTo(vm);
        vm.expectMessageClass(VmCommand.Start.class).replyTo().tell(StatusReply.success(
                vm("vm-phoenix", "phoenix", "running")));
        assertEquals("vm-phoenix", awaitState(id, "succeeded").vmId());
    }

    @Test
    void idempotencyKeysSurviveARestart() {
        start(Duration.ofMinutes(1));
        TestProbe<StatusReply<OperationView>> reply = createAsync("durable", "k-1");
        accept("vm-durable").replyTo().tell(StatusReply.success(vm("vm-durable", "durable", "running")));
        String id = reply.receiveMessage().getValue().id();
        awaitState(id, "succeeded");

        restart();
        assertEquals(id, createAsync("durable", "k-1").receiveMessage().getValue().id());
        fleet.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void finishedOperationsAndTheirKeysArePrunedAfterTheRetention() {
        start(Duration.ofMillis(50));
        TestProbe<StatusReply<OperationView>> reply = createAsync("brief", "k-brief");
        accept("vm-brief").replyTo().tell(StatusReply.success(vm("vm-brief", "brief", "running")));
        String id = reply.receiveMessage().getValue().id();
        awaitState(id, "succeeded");

        clock.advance(Duration.ofMinutes(59));
        fleet.expectNoMessage(Duration.ofMillis(200));
        assertTrue(get(id).isSuccess(), "kept within the retention");

        clock.advance(Duration.ofMinutes(2));
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (get(id).isSuccess() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        Rejected gone = assertInstanceOf(Rejected.class, get(id).getError());
        assertEquals(Rejection.Reason.NOT_FOUND, gone.reason());
        TestProbe<StatusReply<OperationView>> again = createAsync("brief", "k-brief");
        accept("vm-brief-2");
        assertNotEquals(id, again.receiveMessage().getValue().id(), "the key is forgotten with the operation");
    }

    private OperationView awaitState(String id, String state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        OperationView op = get(id).getValue();
        while (!op.state().equals(state) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            op = get(id).getValue();
        }
        assertEquals(state, op.state());
        return op;
    }
}
