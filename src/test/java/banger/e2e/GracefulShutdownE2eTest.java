package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SIGTERM to a real daemon while a create boots its guest: the daemon stops taking requests, gives the create
 * {@code shutdown-finish-within} (2 s here, far less than a TCG boot) to finish, then cancels it, journals the
 * outcome and exits within its bound; no VMM outlives it, and the restarted daemon reports the operation cancelled.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GracefulShutdownE2eTest {

    private DaemonHarness daemon;

    @BeforeAll
    void startDaemon() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        daemon = DaemonHarness.start("graceful", """
                banger.operations.shutdown-finish-within = 2s
                banger.operations.shutdown-cancel-within = 20s
                """);
        daemon.bootstrapTinyImage();
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void sigtermDuringACreateCancelsItJournalsTheOutcomeAndExitsInTime() {
        JsonNode accepted = daemon.expect(202, daemon.post("/v1/vms",
                Map.of("name", "midboot", "image", "tiny", "start", true))).json();
        String operation = accepted.path("id").asText();
        String marker = "banger-" + accepted.path("vm_id").asText();
        DaemonHarness.await("a VMM carrying " + marker, Duration.ofSeconds(60),
                () -> !HostProcesses.matching(marker).isEmpty());
        E2eVm booting = daemon.vm("midboot");
        assertEquals("starting", booting.state(), "SIGTERM comes while the guest boots: " + booting);

        long termAt = System.nanoTime();
        daemon.stopDaemon();
        long exitMillis = (System.nanoTime() - termAt) / 1_000_000;
        System.out.printf("graceful shutdown: SIGTERM during a create, daemon exited after %d ms%n", exitMillis);
        assertFalse(daemon.daemonAlive(), "the daemon exited\n" + daemon.logTail());
        assertTrue(exitMillis < 27_000, "within finish (2 s) + cancel (20 s) + margin, not SIGKILLed by the "
                + "harness at 30 s: " + exitMillis + " ms\n" + daemon.logTail());
        assertEquals(List.of(), HostProcesses.matching(marker),
                "the cancelled create's VMM did not outlive the daemon\n" + daemon.logTail());

        daemon.startDaemon();
        JsonNode op = daemon.expect(200, daemon.get("/v1/operations/" + operation)).json();
        assertEquals("cancelled", op.path("state").asText(), "journaled before the exit: " + op
                + "\n" + daemon.logTail());
        assertEquals(404, daemon.get("/v1/vms/midboot").status(), "the VM was rolled back");
        E2eVm again = daemon.createVm("midboot", false);
        assertEquals("created", again.state(), "its name is free: " + again);
        assertEquals("deleted", daemon.deleteVm("midboot").state());
    }
}
