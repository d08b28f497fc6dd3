package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.VmView;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A probe that cannot check the host puts a VM in {@code unknown} with why, never in stopped. */
class VmHostUncheckedTest {

    static final ActorTestKit testKit = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            .withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING\n"
                    + "pekko.actor.testkit.typed.single-expect-default = 20s"))
            .withFallback(ConfigFactory.load()));
    static final PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());

    private static final String UNREADABLE = "cannot check VMM process 4242: cannot read /proc/4242/stat: "
            + "java.nio.file.AccessDeniedException";

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

    private ActorRef<VmCommand> running(VmSpec spec) throws InterruptedException {
        ActorRef<VmCommand> vm = spawn(spec);
        TestProbe<StatusReply<VmView>> created = testKit.createTestProbe();
        vm.tell(new VmCommand.Create(spec, true, created.ref()));
        runtime.next().result().complete(new VmRuntime.Launched(4242));
        assertEquals("running", created.receiveMessage().getValue().state());
        return vm;
    }

    private VmView get(ActorRef<VmCommand> vm) {
        TestProbe<StatusReply<VmView>> probe = testKit.createTestProbe();
        vm.tell(new VmCommand.Get(probe.ref()));
        return probe.receiveMessage().getValue();
    }

    private VmView awaitState(ActorRef<VmCommand> vm, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        VmView v = get(vm);
        while (!v.state().equals(state) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            v = get(vm);
        }
        assertEquals(state, v.state(), "state reason: " + v.stateReason() + "; runtime calls: " + runtime.log);
        return v;
    }

    private List<String> journaled(VmSpec spec) {
        return journal.persistedInStorage(Vm.persistenceId(spec.id()).id()).stream()
                .map(e -> e.getClass().getSimpleName()).toList();
    }

    @Test
    void aRunningVmWhoseHostCannotBeCheckedIsUnknownWithTheReasonThenRunningOnceAProbeFindsItAlive()
            throws Exception {
        VmSpec spec = spec("murky");
        ActorRef<VmCommand> vm = running(spec);

        runtime.probeAnswer = VmRuntime.Probe.unknown(4242, UNREADABLE);
        VmView unknown = awaitState(vm, "unknown");
        assertEquals(UNREADABLE, unknown.stateReason());
        assertEquals(4242L, unknown.pid());
        assertTrue(journaled(spec).contains("HostUnchecked"), journaled(spec).toString());
        runtime.expectNone(500);
        assertEquals("unknown", get(vm).state(), "probes that still cannot tell leave it unknown");

        runtime.probeAnswer = new VmRuntime.Probe(true, 4242, "alive");
        VmView back = awaitState(vm, "running");
        assertNull(back.stateReason());
        assertTrue(journaled(spec).contains("HostRechecked"), journaled(spec).toString());
        runtime.expectNone(300);
    }

    @Test
    void anUnknownVmFoundDeadByTheNextProbeIsStoppedWithTheReason() throws Exception {
        VmSpec spec = spec("gone-quiet");
        ActorRef<VmCommand> vm = running(spec);
        runtime.probeAnswer = VmRuntime.Probe.unknown(4242, UNREADABLE);
        awaitState(vm, "unknown");

        runtime.probeAnswer = new VmRuntime.Probe(false, 4242, "VMM process 4242 is gone");
        ScriptedVmRuntime.Call cleanup = runtime.next(20);
        assertEquals("kill", cleanup.op());
        cleanup.result().complete("");
        VmView stopped = awaitState(vm, "stopped");
        assertTrue(stopped.stateReason().contains("VMM process 4242 is gone"), stopped.stateReason());
    }

    @Test
    void anUnknownVmAnswersGetAndRefusesStartStopKillRestartAndDeleteWithConflict() throws Exception {
        VmSpec spec = spec("unsure");
        ActorRef<VmCommand> vm = running(spec);
        runtime.probeAnswer = VmRuntime.Probe.unknown(4242, UNREADABLE);
        awaitState(vm, "unknown");

        List<Function<ActorRef<StatusReply<VmView>>, VmCommand>> commands = List.of(VmCommand.Start::new,
                VmCommand.Stop::new, VmCommand.Kill::new, VmCommand.Restart::new, VmCommand.Delete::new);
        for (Function<ActorRef<StatusReply<VmView>>, VmCommand> command : commands) {
            TestProbe<StatusReply<VmView>> reply = testKit.createTestProbe();
            VmCommand sent = command.apply(reply.ref());
            vm.tell(sent);
            StatusReply<VmView> answer = reply.receiveMessage();
            assertTrue(answer.isError(), sent + " was answered " + answer);
            Rejected rejected = assertInstanceOf(Rejected.class, answer.getError());
            assertEquals(Rejection.Reason.CONFLICT, rejected.reason(), rejected.getMessage());
            assertTrue(rejected.getMessage().contains("unknown") && rejected.getMessage().contains(UNREADABLE),
                    rejected.getMessage());
        }
        runtime.expectNone(300);
        assertEquals("unknown", get(vm).state());
    }

    @Test
    void aDaemonRestartThatCannotCheckTheHostRecoversTheVmAsUnknownNotStopped() throws Exception {
        VmSpec spec = spec("amnesiac");
        ActorRef<VmCommand> vm = running(spec);
        testKit.stop(vm);

        runtime.probeAnswer = VmRuntime.Probe.unknown(4242, UNREADABLE);
        ActorRef<VmCommand> again = spawn(spec);
        VmView unknown = awaitState(again, "unknown");
        assertEquals(UNREADABLE, unknown.stateReason());
        runtime.expectNone(300);

        runtime.probeAnswer = new VmRuntime.Probe(true, 4242, "alive");
        awaitState(again, "running");
    }
}
