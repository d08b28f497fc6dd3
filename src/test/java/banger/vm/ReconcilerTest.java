package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.vmm.ProcessTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ReconcilerTest {

    static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static Path vmDir(Path state, String id, Instant modified) throws Exception {
        Path d = Files.createDirectories(state.resolve("vms").resolve(id));
        Files.writeString(d.resolve("console.log"), "x");
        Files.setLastModifiedTime(d, FileTime.from(modified));
        return d;
    }

    @Test
    void sweepKillsOrphanVmmsOfThisStateDirAndRemovesUnownedOldDirectories() throws Exception {
        Path state = Files.createTempDirectory("banger-reconcile");
        Instant old = Instant.now().minus(Duration.ofHours(1));
        Path known = vmDir(state, "known", old);
        Path orphan = vmDir(state, "orphan", old);
        Path fresh = vmDir(state, "fresh", Instant.now());
        Process ghost = new ProcessBuilder("sh", "-c", "sleep 300; true", "banger-ghost",
                state.resolve("vms/ghost/qmp.sock").toString()).start();
        Process stranger = new ProcessBuilder("sh", "-c", "sleep 300; true", "banger-ghost",
                "/elsewhere/vms/ghost/qmp.sock").start();
        try {
            // process start times are second-accurate: let the ghost be clearly older than the sweep
            Thread.sleep(1500);
            TestProbe<VmFleet.Command> fleet = testKit.createTestProbe();
            ActorRef<Reconciler.Command> reconciler = testKit.spawn(Reconciler.create(fleet.ref(), state,
                    new ProcessTable(), Executors.newSingleThreadExecutor(), Duration.ofHours(1),
                    Duration.ofMinutes(5), Duration.ZERO, Duration.ofSeconds(3)));
            TestProbe<Reconciler.Report> reports = testKit.createTestProbe();
            reconciler.tell(new Reconciler.Sweep(reports.ref()));
            fleet.expectMessageClass(VmFleet.ListRegistered.class).replyTo().tell(java.util.Set.of("known"));
            Reconciler.Report report = reports.receiveMessage(Duration.ofSeconds(10));

            assertEquals(List.of("orphan"), report.removedDirectories());
            assertEquals(List.of(ghost.pid()), report.killedProcesses());
            assertTrue(ghost.waitFor(5, TimeUnit.SECONDS), "the orphan VMM was killed");
            assertTrue(stranger.isAlive(), "a process of another state dir is left alone");
            assertTrue(Files.exists(known));
            assertFalse(Files.exists(orphan));
            assertTrue(Files.exists(fresh), "a young directory may be a create in flight");
        } finally {
            ghost.destroyForcibly();
            stranger.destroyForcibly();
        }
    }
}
