package banger.vm;

import banger.testsupport.InMemoryPersistence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * The VMM's exit socket closing while its process still shows as running (it releases its files before it becomes
 * a zombie): the VM probes again shortly instead of waiting for the next liveness interval (here 30 s).
 */
class VmmExitSeenTest {

    static final ActorTestKit testKit = InMemoryPersistence.testKit();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private final ScriptedVmRuntime runtime = new ScriptedVmRuntime();
    private final TestProbe<VmFleet.Command> fleet = testKit.createTestProbe();

    private ActorRef<VmCommand> running(String name) throws InterruptedException {
        VmSpec spec = new VmSpec(UUID.randomUUID().toString().substring(0, 8), name, "tiny", 1, 256, 512,
                "172.30.0.9", Map.of(), EgressPolicy.ALLOW);
        ActorRef<VmCommand> vm = testKit.spawn(Vm.create(spec.id(), runtime, fleet.ref(), Duration.ofSeconds(30),
                Clock.systemUTC()));
        TestProbe<StatusReply<VmView>> created = testKit.createTestProbe();
        vm.tell(new VmCommand.Create(spec, true, created.ref()));
        ScriptedVmRuntime.Call start = runtime.next(30);
        assertEquals("start", start.op(), runtime.log.toString());
        start.result().complete(new VmRuntime.Launched(4242));
        assertEquals("running", created.receiveMessage(Duration.ofSeconds(30)).getValue().state());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (runtime.exitWatches.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, runtime.exitWatches.size(), "the running VM watches its VMM's exit");
        return vm;
    }

    private VmView get(ActorRef<VmCommand> vm) {
        TestProbe<StatusReply<VmView>> probe = testKit.createTestProbe();
        vm.tell(new VmCommand.Get(probe.ref()));
        return probe.receiveMessage().getValue();
    }

    private void awaitProbes(int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (runtime.probes.get() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(runtime.probes.get() >= atLeast, "probes: " + runtime.probes.get());
    }

    @Test
    void aVmmThatStillLooksAliveWhenItsExitSocketClosesIsProbedAgainUntilItsDeathShows() throws Exception {
        ActorRef<VmCommand> vm = running("dying");
        int before = runtime.probes.get();

        runtime.exitWatches.get(0).run();
        awaitProbes(before + 3);
        assertEquals("running", get(vm).state(), "still alive to the probes");
        runtime.probeAnswer = new VmRuntime.Probe(false, 4242, "VMM process 4242 is gone");

        ScriptedVmRuntime.Call cleanup = runtime.next(10);
        assertEquals("kill", cleanup.op(), runtime.log.toString());
        cleanup.result().complete("");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        VmView v = get(vm);
        while (!v.state().equals("stopped") && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = get(vm);
        }
        assertEquals("stopped", v.state());
        assertTrue(v.stateReason().contains("VMM exited unexpectedly"), v.stateReason());
    }

    @Test
    void aVmmThatLivesOnAfterItsExitSocketClosedIsWatchedAgainAndProbedAtTheInterval() throws Exception {
        ActorRef<VmCommand> vm = running("survivor");
        int before = runtime.probes.get();

        runtime.exitWatches.get(0).run();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (runtime.exitWatches.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(2, runtime.exitWatches.size(), "watched again after the re-probes");
        int afterRechecks = runtime.probes.get();
        assertTrue(afterRechecks - before >= 10, "re-probed: " + (afterRechecks - before));
        Thread.sleep(500);
        assertEquals(afterRechecks, runtime.probes.get(), "then back to the 30 s interval");
        assertEquals("running", get(vm).state());
    }
}
