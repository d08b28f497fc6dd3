package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * bench/warm-start (-Dbench.warm-start=true; skipped otherwise): one tiny guest on a real daemon, started cold (from
 * stopped) and warm (from suspended) in alternating rounds, {@code bench.warm-start.rounds} (default 5) of each.
 * Each start is timed from the start request (202, not waited on) to the first exec the guest answers; each suspend
 * from its request to the suspended answer, with the saved state's size. Prints p50/max of each and the ratio of
 * the warm to the cold p50.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WarmStartBench {

    private static final Duration EXEC_WAIT = Duration.ofSeconds(180);
    private static final String VM = "bench";
    private DaemonHarness daemon;

    @BeforeAll
    void startDaemon() {
        assumeTrue(Boolean.getBoolean("bench.warm-start"), "run with -Dbench.warm-start=true (bench/warm-start)");
        daemon = DaemonHarness.start("warm-start-bench");
        daemon.bootstrapTinyImage();
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void warmStartAgainstColdBoot() {
        int rounds = Integer.getInteger("bench.warm-start.rounds", 5);
        daemon.createVm(VM, true);
        awaitExec();
        List<Long> cold = new ArrayList<>();
        List<Long> warm = new ArrayList<>();
        List<Long> suspendMs = new ArrayList<>();
        List<Long> savedBytes = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            daemon.action(VM, "stop");
            cold.add(timedStart("cold"));

            long t0 = System.nanoTime();
            JsonNode suspended = daemon.expect(200, daemon.post("/v1/vms/" + VM + "/suspend?wait=true", null)).json();
            suspendMs.add((System.nanoTime() - t0) / 1_000_000);
            assertEquals("suspended", suspended.path("state").asText(), suspended.toString());
            savedBytes.add(suspended.path("saved_state").path("bytes").asLong());
            warm.add(timedStart("warm"));
        }
        long coldP50 = p50(cold);
        long warmP50 = p50(warm);
        System.out.printf("start requested -> guest answers an exec, %d rounds each (tiny image):%n", rounds);
        System.out.printf("  cold boot  p50 %6d ms  max %6d ms  %s%n", coldP50, max(cold), cold);
        System.out.printf("  warm start p50 %6d ms  max %6d ms  %s%n", warmP50, max(warm), warm);
        System.out.printf("  warm/cold p50 ratio %.1f %%%n", 100.0 * warmP50 / coldP50);
        System.out.printf("suspend (request -> suspended) p50 %d ms, max %d ms; saved state p50 %.1f MiB, max %.1f MiB%n",
                p50(suspendMs), max(suspendMs), p50(savedBytes) / 1048576.0, max(savedBytes) / 1048576.0);
    }

    /** Asks for a start without waiting, then execs until the guest answers; checks the start was of that kind. */
    private long timedStart(String kind) {
        long t0 = System.nanoTime();
        daemon.expect(202, daemon.post("/v1/vms/" + VM + "/start", null));
        awaitExec();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        JsonNode vm = daemon.expect(200, daemon.get("/v1/vms/" + VM)).json();
        assertEquals(kind, vm.path("last_start").path("kind").asText(), vm.toString());
        return ms;
    }

    private void awaitExec() {
        long deadline = System.nanoTime() + EXEC_WAIT.toNanos();
        ApiResponse last = null;
        while (System.nanoTime() < deadline) {
            last = daemon.post("/v1/vms/" + VM + "/exec", Map.of("argv", List.of("true"), "timeout_s", 10));
            if (last.status() == 200 && last.json().path("exit_code").asInt(-1) == 0) {
                return;
            }
            HostProcesses.sleep(20);
        }
        throw new AssertionError("the guest did not answer an exec within " + EXEC_WAIT + ": " + last + "\n"
                + daemon.logTail());
    }

    private static long p50(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((sorted.size() - 1) / 2);
    }

    private static long max(List<Long> values) {
        return Collections.max(values);
    }
}
