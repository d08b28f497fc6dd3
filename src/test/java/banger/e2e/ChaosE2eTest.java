package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The short run of the kill -9 harness ({@link ChaosRun}; bench/chaos runs the long one): 10 daemon kills over the
 * same mix as bench/chaos ({@link ChaosRun.Settings#everything}: two workers creating, starting, stopping,
 * restarting, deleting, cancelling and exec'ing; every crash point; random kills mid-flight of any of them), each
 * followed by recovery and every invariant of {@link ChaosInvariants}. Daemon lives are shorter than the bench's
 * (1.5-8 s, at most 2 VMs) to keep the run short.
 */
class ChaosE2eTest {

    static final int KILLS = 10;

    @Test
    void theDaemonKilledAtRandomMomentsAndBetweenStepsRecoversWithNoViolationAndNoLeak() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        long seed = Long.getLong("banger.chaos.seed", System.nanoTime());
        ChaosRun.Settings settings = ChaosRun.Settings.everything(KILLS, Duration.ofMillis(1500),
                Duration.ofSeconds(8), 2, seed);
        ChaosRun.Report report = ChaosBench.run("chaos-test", settings);
        assertEquals(KILLS, report.kills(), report.summary());
        assertTrue(report.violations().isEmpty() && report.leaks().isEmpty(), report.summary() + "\n"
                + String.join("\n", report.violations()) + "\n" + String.join("\n", report.leaks()));
    }
}
