package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Pause and resume on a real tiny guest: a counter the guest prints to its serial console stops while the VM is
 * paused (the console log is read from the host, which needs nothing of the frozen guest) and goes on after resume;
 * exec and sessions answer 409 meanwhile.
 */
class VmPauseE2eTest extends TinyDaemonE2eTest {

    private static final Pattern TICK = Pattern.compile("pause-tick-(\\d+)");

    VmPauseE2eTest() {
        super("pause");
    }

    /** The highest tick in the console log so far, or -1. */
    private long lastTick() {
        Matcher m = TICK.matcher(daemon.console("counter"));
        long last = -1;
        while (m.find()) {
            last = Math.max(last, Long.parseLong(m.group(1)));
        }
        return last;
    }

    @Test
    void aGuestCounterStopsWhilePausedAndGoesOnAfterResume() {
        daemon.createVm("counter", true);
        daemon.exec("counter", "sh", "-c", "setsid sh -c 'i=0; while true; do i=$((i+1)); "
                + "echo pause-tick-$i > /dev/console; sleep 0.5; done' >/dev/null 2>&1 </dev/null &");
        DaemonHarness.await("the guest counting on its console", Duration.ofSeconds(60), () -> lastTick() >= 3);

        E2eVm paused = E2eVm.of(daemon.expect(200, daemon.post("/v1/vms/counter/pause", null)).json());
        assertEquals("paused", paused.state());
        assertEquals("paused", daemon.vm("counter").state());
        // output the guest wrote just before the pause may still be on its way into console.log: wait until the
        // log is still, then it must stay still
        long[] settled = {lastTick()};
        DaemonHarness.await("the console still once paused", Duration.ofSeconds(30), () -> {
            long before = settled[0];
            HostProcesses.sleep(1500);
            settled[0] = lastTick();
            return settled[0] == before;
        });
        Instant heldFrom = Instant.now();
        ApiResponse exec = daemon.post("/v1/vms/counter/exec", Map.of("argv", List.of("true")));
        assertEquals(409, exec.status(), exec.toString());
        ApiResponse session = daemon.post("/v1/vms/counter/sessions", Map.of("argv", List.of("true")));
        assertEquals(409, session.status(), session.toString());
        assertEquals(409, daemon.post("/v1/vms/counter/start?wait=true", null).status(), "start while paused");
        // the claim is about a span of time: watch it for 4 s
        while (Duration.between(heldFrom, Instant.now()).toMillis() < 4000) {
            HostProcesses.sleep(500);
        }
        assertEquals(settled[0], lastTick(), "the counter did not move in 4 s of pause");

        E2eVm resumed = E2eVm.of(daemon.expect(200, daemon.post("/v1/vms/counter/resume", null)).json());
        assertEquals("running", resumed.state());
        long frozen = settled[0];
        DaemonHarness.await("the counter going on after resume", Duration.ofSeconds(60), () -> lastTick() > frozen + 2);
        assertEquals("ok\n", daemon.exec("counter", "echo", "ok").path("stdout").asText());
        List<String> history = daemon.historyTypes("counter");
        assertTrue(history.containsAll(List.of("Paused", "Resumed")), history.toString());
        assertEquals(200, daemon.post("/v1/vms/counter/resume", null).status(),
                "resuming a running VM answers it as it is");
    }
}
