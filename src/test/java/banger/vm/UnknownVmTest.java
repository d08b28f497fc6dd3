package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.wire.VmView;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Asking for a VM that never existed is answered NOT_FOUND at once, never left to the asker's timeout (3 s here). */
class UnknownVmTest {

    static final ActorTestKit testKit = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            .withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING\n"
                    + "pekko.actor.testkit.typed.single-expect-default = 20s"))
            .withFallback(ConfigFactory.load()));

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static Rejection.Reason reasonOf(StatusReply<?> reply) {
        return ((Rejected) reply.getError()).reason();
    }

    @Test
    void aVmActorThatWasNeverCreatedAnswersNotFound() {
        ActorRef<VmCommand> vm = testKit.spawn(Vm.create("never-created", new ScriptedVmRuntime(),
                testKit.<VmFleet.Command>createTestProbe().ref(), Duration.ofMinutes(1), Clock.systemUTC()));
        TestProbe<StatusReply<VmView>> get = testKit.createTestProbe();
        vm.tell(new VmCommand.Get(get.ref()));
        assertEquals(Rejection.Reason.NOT_FOUND, reasonOf(get.receiveMessage()));
        TestProbe<StatusReply<VmView>> start = testKit.createTestProbe();
        vm.tell(new VmCommand.Start(start.ref()));
        assertEquals(Rejection.Reason.NOT_FOUND, reasonOf(start.receiveMessage()));
    }

    @Test
    void theFleetAnswersAnUnknownIdOrNameAtOnce() {
        ActorRef<VmFleet.Command> fleet = TestFleets.start(testKit, new ScriptedVmRuntime()).fleet();
        TestProbe<StatusReply<VmView>> warmUp = testKit.createTestProbe();
        fleet.tell(new VmFleet.Get("warm-up", warmUp.ref()));
        warmUp.receiveMessage();

        for (String ref : new String[] {"0123456789ab", "nobody"}) {
            long started = System.nanoTime();
            TestProbe<StatusReply<VmView>> get = testKit.createTestProbe();
            fleet.tell(new VmFleet.Get(ref, get.ref()));
            assertEquals(Rejection.Reason.NOT_FOUND, reasonOf(get.receiveMessage()));
            TestProbe<StatusReply<ActorRef<VmCommand>>> resolve = testKit.createTestProbe();
            fleet.tell(new VmFleet.Resolve(ref, resolve.ref()));
            assertEquals(Rejection.Reason.NOT_FOUND, reasonOf(resolve.receiveMessage()));
            long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
            System.out.println("get and resolve of unknown VM " + ref + ": " + millis + " ms");
            assertTrue(millis < 1000, "answered in " + millis + " ms, well before the 3 s ask timeout");
        }
    }
}
