package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TTLs and idle timeouts on real tiny guests: a ttl deletes a VM and everything of it, an idle timeout fires only
 * once API activity stops, and a deadline that passed while the daemon was down fires when it starts again.
 */
class VmExpiryE2eTest extends TinyDaemonE2eTest {

    VmExpiryE2eTest() {
        super("expiry");
    }

    private E2eVm create(Map<String, Object> request) {
        return E2eVm.of(daemon.expect(201, daemon.post("/v1/vms?wait=true", request)).json());
    }

    private JsonNode vmJson(String ref) {
        return daemon.expect(200, daemon.get("/v1/vms/" + ref)).json();
    }

    /** The VM's Expired event (its data), or null. */
    private JsonNode expired(String ref) {
        for (JsonNode event : daemon.expect(200, daemon.get("/v1/vms/" + ref + "/history")).json().path("events")) {
            if ("Expired".equals(event.path("type").asText())) {
                return event;
            }
        }
        return null;
    }

    @Test
    void aVmWithATtlAndOnExpiryDeleteIsGoneAfterItsTtlLeavingNothing() {
        E2eVm vm = create(Map.of("name", "brief", "image", "tiny", "ttl_s", 20, "on_expiry", "delete"));
        JsonNode shown = vmJson("brief");
        assertEquals("running", shown.path("state").asText());
        assertEquals(20, shown.path("ttl_s").asInt());
        assertEquals("delete", shown.path("on_expiry").asText());
        Instant expiresAt = Instant.parse(shown.path("expires_at").asText());
        assertTrue(daemon.listVms().stream().anyMatch(v -> v.id().equals(vm.id())), "listed while it lives");

        DaemonHarness.await("the VM deleted by its ttl", Duration.ofSeconds(120),
                () -> daemon.get("/v1/vms/" + vm.id()).status() == 404);
        assertFalse(Instant.now().isBefore(expiresAt), "not before expires_at " + expiresAt);
        DaemonHarness.await("its VMM gone", Duration.ofSeconds(30), () -> HostProcesses.matching(vm.marker()).isEmpty());
        assertFalse(Files.exists(daemon.vmDir(vm.id())), "its directory is removed");
        assertTrue(daemon.listVms().stream().noneMatch(v -> v.id().equals(vm.id())), "not listed");
        assertTrue(daemon.logLines("Exception").stream().noneMatch(l -> l.contains("expir")), daemon.logTail());
    }

    @Test
    void anIdleTimeoutFiresOnlyAfterActivityStops() {
        int idle = 20;
        create(Map.of("name", "idler", "image", "tiny", "idle_timeout_s", idle, "on_expiry", "stop"));
        // activity for longer than the timeout keeps it running
        Instant busyUntil = Instant.now().plusSeconds(idle + 10);
        Instant lastActivity = Instant.now();
        while (Instant.now().isBefore(busyUntil)) {
            lastActivity = Instant.now();
            assertEquals("ok\n", daemon.exec("idler", "echo", "ok").path("stdout").asText());
            assertEquals("running", daemon.vm("idler").state(), "still running while used");
            HostProcesses.sleep(2000);
        }
        JsonNode shown = vmJson("idler");
        assertEquals(idle, shown.path("idle_timeout_s").asInt(), shown.toString());
        assertFalse(shown.path("idle_expires_at").isNull(), shown.toString());

        DaemonHarness.await("the idle VM stopped", Duration.ofSeconds(idle + 90),
                () -> "stopped".equals(daemon.vm("idler").state()));
        JsonNode event = expired("idler");
        assertTrue(event != null, "an Expired event: " + daemon.historyTypes("idler"));
        assertEquals("idle", event.path("data").path("rule").asText(), event.toString());
        assertEquals("stop", event.path("data").path("action").asText(), event.toString());
        Instant firedAt = Instant.parse(event.path("at").asText());
        assertFalse(firedAt.isBefore(lastActivity.plusSeconds(idle)),
                "fired at " + firedAt + ", last activity " + lastActivity);
        assertTrue(daemon.vm("idler").stateReason().startsWith("expired (idle)"), daemon.vm("idler").stateReason());
    }

    @Test
    void aTtlThatPassesWhileTheDaemonIsDownFiresWhenItStarts() {
        E2eVm vm = create(Map.of("name", "sleeper", "image", "tiny", "ttl_s", 600, "on_expiry", "stop"));
        Instant first = Instant.parse(vmJson("sleeper").path("expires_at").asText());
        JsonNode patched = daemon.expect(200, daemon.send("PATCH", "/v1/vms/sleeper",
                "{\"ttl_s\":15}", true)).json();
        Instant expiresAt = Instant.parse(patched.path("expires_at").asText());
        assertTrue(expiresAt.isBefore(first), "a PATCH counts the ttl again from now: " + patched);

        daemon.killDaemon();
        DaemonHarness.await("the deadline passed while the daemon is down", Duration.ofSeconds(60),
                () -> Instant.now().isAfter(expiresAt.plusSeconds(2)));
        assertTrue(HostProcesses.alive(vm.pid()), "the VM kept running without the daemon");
        daemon.startDaemon();

        DaemonHarness.await("the VM stopped by its ttl at start-up", Duration.ofSeconds(90),
                () -> "stopped".equals(daemon.vm("sleeper").state()));
        JsonNode event = expired("sleeper");
        assertTrue(event != null, "an Expired event: " + daemon.historyTypes("sleeper"));
        assertEquals("ttl", event.path("data").path("rule").asText(), event.toString());
        List<String> history = daemon.historyTypes("sleeper");
        assertEquals(List.of("Adopted", "Expired", "StopRequested", "Stopped"),
                history.subList(history.size() - 4, history.size()), history.toString());
    }
}
