package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.HistoryEntry;
import banger.wire.VmView;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The seam for per-VM children, with a small echo child standing in for sessions and workspaces. */
class VmChildrenTest {

    static final ActorTestKit testKit = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            // generous: this machine is shared with other builds and guests
            .withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING\n"
                    + "pekko.actor.testkit.typed.single-expect-default = 20s"))
            .withFallback(ConfigFactory.load()));

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** The echo child's protocol. */
    sealed interface Echo {
    }

    record Ping(ActorRef<String> replyTo) implements Echo {
    }

    record PhaseIs(VmPhase phase) implements Echo {
    }

    /** Asks its VM to journal a guest event, as a session would on start. */
    record Journal(String type, ActorRef<StatusReply<Done>> replyTo) implements Echo {
    }

    /** A child kind whose children answer pings, report the phases they hear and tell when they stop. */
    record EchoKind(String name, TestProbe<VmPhase> phases, TestProbe<String> stops) implements VmChildKind<Echo> {

        @Override
        public Behavior<Echo> create(VmChildContext vm) {
            return Behaviors.receive(Echo.class)
                    .onMessage(Ping.class, p -> {
                        p.replyTo().tell("pong from " + vm.vmName());
                        return Behaviors.same();
                    })
                    .onMessage(PhaseIs.class, p -> {
                        phases.ref().tell(p.phase());
                        return Behaviors.same();
                    })
                    .onMessage(Journal.class, j -> {
                        vm.vm().tell(new VmCommand.RecordGuestEvent(j.type(), Map.of("by", name), j.replyTo()));
                        return Behaviors.same();
                    })
                    .onSignal(PostStop.class, s -> {
                        stops.ref().tell(name + " of " + vm.vmName() + " stopped");
                        return Behaviors.same();
                    })
                    .build();
        }

        @Override
        public Echo phaseChanged(VmPhase phase) {
            return new PhaseIs(phase);
        }
    }

    private final ScriptedVmRuntime runtime = new ScriptedVmRuntime();
    private final TestProbe<VmFleet.Command> fleet = testKit.createTestProbe();
    private final TestProbe<VmPhase> phases = testKit.createTestProbe();
    private final TestProbe<String> stops = testKit.createTestProbe();
    private final EchoKind echo = new EchoKind("echo", phases, stops);

    private VmSpec spec(String name) {
        return new VmSpec(UUID.randomUUID().toString().substring(0, 8), name, "tiny", 1, 256, 512, null, Map.of());
    }

    private ActorRef<VmCommand> runningVm(VmSpec spec) throws InterruptedException {
        ActorRef<VmCommand> vm = testKit.spawn(Vm.create(spec.id(), runtime, fleet.ref(), VmChildren.of(echo),
                Duration.ofMinutes(1), Clock.systemUTC()));
        TestProbe<StatusReply<VmView>> created = testKit.createTestProbe();
        vm.tell(new VmCommand.Create(spec, true, created.ref()));
        runtime.next(30).result().complete(new VmRuntime.Launched(4242));
        assertEquals("running", created.receiveMessage().getValue().state());
        return vm;
    }

    private StatusReply<ActorRef<Echo>> child(ActorRef<VmCommand> vm, VmChildKind<Echo> kind) {
        TestProbe<StatusReply<ActorRef<Echo>>> reply = testKit.createTestProbe();
        vm.tell(new VmCommand.Child<>(kind, reply.ref()));
        return reply.receiveMessage();
    }

    @Test
    void aChildAnswersWhileItsVmIsMidStartAndHearsThePhasesGoBy() throws Exception {
        VmSpec spec = spec("busy");
        ActorRef<VmCommand> vm = runningVm(spec);
        ActorRef<Echo> child = child(vm, echo).getValue();

        TestProbe<StatusReply<VmView>> restart = testKit.createTestProbe();
        vm.tell(new VmCommand.Restart(restart.ref()));
        runtime.next(30).result().complete("");
        ScriptedVmRuntime.Call boot = runtime.next(30);
        assertEquals("start", boot.op(), "the VM is mid-start: its boot has not completed");
        TestProbe<StatusReply<VmView>> stop = testKit.createTestProbe();
        vm.tell(new VmCommand.Stop(stop.ref()));

        TestProbe<String> pong = testKit.createTestProbe();
        child.tell(new Ping(pong.ref()));
        assertEquals("pong from busy", pong.receiveMessage(Duration.ofSeconds(1)));
        restart.expectNoMessage(Duration.ofMillis(50));
        stop.expectNoMessage(Duration.ofMillis(50));
        assertEquals(List.of(VmPhase.STOPPING, VmPhase.STARTING), phases.receiveSeveralMessages(2),
                "the child learned that the guest went away and is coming back");

        boot.result().complete(new VmRuntime.Launched(4343));
        assertEquals("running", restart.receiveMessage().getValue().state());
        assertEquals(VmPhase.RUNNING, phases.receiveMessage());
        runtime.next(30).result().complete("");
        assertEquals("stopped", stop.receiveMessage().getValue().state());
        assertEquals(VmPhase.STOPPING, phases.receiveMessage());
        assertEquals(VmPhase.STOPPED, phases.receiveMessage());
        stops.expectNoMessage(Duration.ofMillis(50));

        TestProbe<StatusReply<VmView>> start = testKit.createTestProbe();
        vm.tell(new VmCommand.Start(start.ref()));
        runtime.next(30).result().complete(new VmRuntime.Launched(4444));
        start.receiveMessage();
        assertEquals(child, child(vm, echo).getValue(), "the same child outlives its VM's stops and starts");
    }

    @Test
    void aChildIsOnlyHandedOutInItsPhasesAndOnlyForKindsTheDaemonRuns() throws Exception {
        VmSpec spec = spec("picky");
        ActorRef<VmCommand> vm = runningVm(spec);
        TestProbe<StatusReply<VmView>> stop = testKit.createTestProbe();
        vm.tell(new VmCommand.Stop(stop.ref()));
        runtime.next(30).result().complete("");
        stop.receiveMessage();

        Rejected notRunning = assertInstanceOf(Rejected.class, child(vm, echo).getError());
        assertEquals(Rejection.Reason.CONFLICT, notRunning.reason());
        assertTrue(notRunning.getMessage().contains("stopped"), notRunning.getMessage());

        EchoKind unknown = new EchoKind("unknown", phases, stops);
        Rejected unoffered = assertInstanceOf(Rejected.class, child(vm, unknown).getError());
        assertEquals(Rejection.Reason.UNAVAILABLE, unoffered.reason());
    }

    @Test
    void aChildsGuestEventIsJournaledIntoTheVmsHistory() throws Exception {
        VmSpec spec = spec("chatty");
        ActorRef<VmCommand> vm = runningVm(spec);
        ActorRef<Echo> child = child(vm, echo).getValue();
        TestProbe<StatusReply<Done>> recorded = testKit.createTestProbe();
        child.tell(new Journal("SessionStarted", recorded.ref()));
        assertTrue(recorded.receiveMessage().isSuccess());

        List<Object> events = PersistenceTestKit.create(testKit.system())
                .persistedInStorage(Vm.persistenceId(spec.id()).id());
        List<HistoryEntry> history = IntStream.range(0, events.size())
                .mapToObj(i -> VmHistory.entryOf(i + 1, events.get(i))).toList();
        HistoryEntry last = history.get(history.size() - 1);
        assertEquals("SessionStarted", last.type());
        assertEquals(Map.of("by", "echo"), last.data());

        child.tell(new Journal("Started", recorded.ref()));
        Rejected impersonation = assertInstanceOf(Rejected.class, recorded.receiveMessage().getError());
        assertEquals(Rejection.Reason.INVALID_REQUEST, impersonation.reason(), "a child cannot forge the VM's events");
    }

    @Test
    void deletingTheVmTellsItsChildThatTheGuestGoesThenStopsIt() throws Exception {
        VmSpec spec = spec("doomed");
        ActorRef<VmCommand> vm = runningVm(spec);
        child(vm, echo).getValue();
        TestProbe<StatusReply<VmView>> delete = testKit.createTestProbe();
        vm.tell(new VmCommand.Delete(delete.ref()));
        assertEquals(VmPhase.DELETING, phases.receiveMessage());
        runtime.next(30).result().complete(null);
        assertEquals("deleted", delete.receiveMessage().getValue().state());
        assertEquals("echo of doomed stopped", stops.receiveMessage());
    }
}
