package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A VMM killed with SIGKILL is noticed by its exit socket, not by the liveness poll (set to a minute here): over 20
 * kills (5 tiny guests, started together, killed one after another, 4 rounds) every VM is journaled stopped with the
 * reason. Figures: from the kill to the {@code Stopped} event's own timestamp (the daemon's record of the death;
 * the test's polling does not add to it), and from the kill to the API answering {@code stopped}.
 *
 * <p>The median must be within a second. The maximum is held to {@link #MAX_LIMIT_MS}, not to a second: on a
 * loaded 2-core machine (QEMU guests under TCG from other builds, load average ~20) one kill in 20 took 1.2 s to
 * its record (2.3 s in {@code VmmDeathBench} at load 27), the daemon's threads waiting for a CPU, not for any poll
 * or timeout (docs/RELIABILITY.md); a kill the exit watcher missed would take the 60 s poll.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmmDeathE2eTest {

    private static final int GUESTS = 5;
    private static final int KILLS = 20;
    private static final long P50_LIMIT_MS = 1000;
    private static final long MAX_LIMIT_MS = 5000;

    private DaemonHarness daemon;

    @BeforeAll
    void startDaemon() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        // five guests boot at once under TCG: more time than the 180 s default for one on a loaded machine, and
        // still within the harness's 4 min HTTP timeout
        daemon = DaemonHarness.start("vmm-death", "banger.timeouts.liveness-interval = 60s\n"
                + "banger.timeouts.boot = 230s\n");
        daemon.bootstrapTinyImage();
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void everyKilledVmmIsRecordedStoppedWithItsReasonWithinASecondAtTheMedian() {
        List<String> names = new ArrayList<>();
        for (int g = 0; g < GUESTS; g++) {
            String name = "doomed-" + g;
            names.add(name);
            daemon.createVm(name, false);
        }
        List<Long> noticedMs = new ArrayList<>();
        List<Long> recordedMs = new ArrayList<>();
        List<Long> shownMs = new ArrayList<>();
        while (recordedMs.size() < KILLS) {
            names.stream().map(name -> CompletableFuture.supplyAsync(() -> daemon.action(name, "start"))).toList()
                    .forEach(CompletableFuture::join);
            for (String name : names) {
                if (recordedMs.size() < KILLS) {
                    Kill kill = killAndMeasure(name);
                    noticedMs.add(kill.noticedMs());
                    recordedMs.add(kill.recordedMs());
                    shownMs.add(kill.shownMs());
                }
            }
        }
        long recordedP50 = percentile(recordedMs, 50);
        long recordedMax = percentile(recordedMs, 100);
        System.out.printf("VMM death over %d kills: kill -> Stopped event p50 %d ms, max %d ms; kill -> API shows"
                        + " stopped p50 %d ms, max %d ms; kill -> noticed (StopRequested event) p50 %d ms, max %d ms;"
                        + " all (Stopped event): %s; all (noticed): %s%n", KILLS, recordedP50, recordedMax,
                percentile(shownMs, 50), percentile(shownMs, 100), percentile(noticedMs, 50),
                percentile(noticedMs, 100), recordedMs, noticedMs);
        assertTrue(recordedP50 <= P50_LIMIT_MS, "median within a second: " + recordedMs);
        assertTrue(recordedMax <= MAX_LIMIT_MS, "every death noticed by the exit watcher, not the poll: "
                + recordedMs + "\ndaemon log:\n" + daemon.logTail());
    }

    private record Kill(long noticedMs, long recordedMs, long shownMs) {
    }

    /** SIGKILLs the running VM's VMM; the ms to its StopRequested and Stopped events' timestamps and to the API showing it. */
    private Kill killAndMeasure(String name) {
        E2eVm vm = daemon.vm(name);
        assertEquals("running", vm.state(), vm.toString());
        Instant killedAt = Instant.now();
        ProcessHandle.of(vm.pid()).orElseThrow(() -> new AssertionError("no VMM " + vm)).destroyForcibly();
        // polled without a pause so the figure is the API's, not the poll's
        Instant deadline = killedAt.plusSeconds(70);
        E2eVm seen = vm;
        while (!"stopped".equals(seen.state()) && Instant.now().isBefore(deadline)) {
            seen = daemon.vm(name);
        }
        long shownMs = Duration.between(killedAt, Instant.now()).toMillis();
        assertEquals("stopped", seen.state(), "the killed VMM's VM is stopped: " + seen + "\n" + daemon.logTail());
        assertTrue(seen.stateReason() != null && seen.stateReason().contains("VMM exited unexpectedly"),
                String.valueOf(seen.stateReason()));
        assertNull(seen.pid(), "a stopped VM has no pid: " + seen);
        JsonNode stopped = daemon.lastEvent(name, "Stopped");
        long recordedMs = Duration.between(killedAt, Instant.parse(stopped.path("at").asText())).toMillis();
        assertTrue(recordedMs >= 0, "the Stopped event follows the kill: " + stopped);
        long noticedMs = Duration.between(killedAt, Instant.parse(daemon.lastEvent(name, "StopRequested").path("at").asText()))
                .toMillis();
        return new Kill(noticedMs, recordedMs, shownMs);
    }

    /** The nearest-rank percentile: 50 is the median (upper of the two middle ones), 100 the maximum. */
    static long percentile(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
