package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Suspend to disk and warm start on one real tiny guest: a session and the guest's uptime go on across a suspend
 * and start, no VMM runs while it is suspended and its saved state is counted; a paused VM suspends; a saved state
 * QEMU refuses makes the start boot cold with the reason recorded; a stop discards the saved state;
 * {@code on_expiry: suspend} suspends the VM, and delete removes its state.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmSuspendE2eTest extends TinyDaemonE2eTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private E2eVm vm;

    VmSuspendE2eTest() {
        super("suspend");
    }

    @BeforeAll
    void bootGuest() {
        vm = daemon.createVm("sleeper", true);
    }

    private String sessionPath(String id) {
        return "/v1/vms/" + vm.id() + "/sessions/" + id;
    }

    /** The numbers a counting session printed so far, one per line. */
    private List<Long> counted(String session) {
        ApiResponse r = daemon.expect(200, daemon.get(sessionPath(session) + "/output?offset=0"));
        List<Long> numbers = new ArrayList<>();
        for (String line : r.text().split("\n")) {
            if (!line.isBlank()) {
                numbers.add(Long.parseLong(line.strip()));
            }
        }
        return numbers;
    }

    private double uptime() {
        String out = daemon.exec("sleeper", "cat", "/proc/uptime").path("stdout").asText();
        return Double.parseDouble(out.strip().split("\\s+")[0]);
    }

    private Path savedStateFile() {
        return daemon.vmDir(vm.id()).resolve("saved-state.bin");
    }

    private JsonNode suspend() {
        JsonNode suspended = daemon.expect(200, daemon.post("/v1/vms/sleeper/suspend?wait=true", null)).json();
        assertEquals("suspended", suspended.path("state").asText(), suspended.toString());
        return suspended;
    }

    @Test
    @Order(1)
    void aSessionAndTheGuestsUptimeGoOnAcrossASuspendAndAWarmStart() throws IOException {
        String counter = daemon.expect(201, daemon.post("/v1/vms/" + vm.id() + "/sessions", Map.of("argv",
                List.of("sh", "-c", "i=0; while :; do echo $i; i=$((i+1)); sleep 0.2; done")))).json()
                .path("id").asText();
        DaemonHarness.await("the session counts", WAIT, () -> counted(counter).size() >= 5);
        double uptimeBefore = uptime();
        int countedBefore = counted(counter).size();

        JsonNode suspended = suspend();
        long bytes = suspended.path("saved_state").path("bytes").asLong();
        assertTrue(bytes > 0, "the saved state is counted: " + suspended);
        assertTrue(suspended.path("pid").isNull(), suspended.toString());
        assertEquals(bytes, Files.size(savedStateFile()), "vm show counts the file on disk");
        assertTrue(HostProcesses.matching(vm.marker()).isEmpty(),
                "no VMM runs for a suspended VM: " + HostProcesses.matching(vm.marker()));
        assertEquals(409, daemon.post("/v1/vms/sleeper/exec", Map.of("argv", List.of("true"))).status());
        assertEquals(409, daemon.post("/v1/vms/" + vm.id() + "/sessions", Map.of("argv", List.of("true"))).status());
        assertEquals("suspended", daemon.vm("sleeper").state());
        assertEquals(200, daemon.post("/v1/vms/sleeper/suspend?wait=true", null).status(),
                "suspending a suspended VM answers it as it is");

        JsonNode started = daemon.expect(200, daemon.post("/v1/vms/sleeper/start?wait=true", null)).json();
        assertEquals("running", started.path("state").asText(), started.toString());
        assertEquals("warm", started.path("last_start").path("kind").asText(),
                started + "\n" + daemon.logTail());
        assertTrue(started.path("saved_state").isNull(), "a start takes the saved state: " + started);
        assertFalse(Files.exists(savedStateFile()), "the used saved state is removed");

        DaemonHarness.await("the session counting on past " + countedBefore, WAIT,
                () -> counted(counter).size() > countedBefore + 5);
        List<Long> numbers = counted(counter);
        for (int i = 0; i < numbers.size(); i++) {
            assertEquals(i, numbers.get(i), "the same process counted on, no restart and no gap: " + numbers);
        }
        assertEquals("running", daemon.expect(200, daemon.get(sessionPath(counter))).json().path("state").asText());
        double uptimeAfter = uptime();
        assertTrue(uptimeAfter > uptimeBefore, "uptime goes on: " + uptimeBefore + " then " + uptimeAfter);
        List<String> history = daemon.historyTypes("sleeper");
        assertTrue(history.containsAll(List.of("SuspendRequested", "Suspended", "Started")), history.toString());
        daemon.expect(200, daemon.delete(sessionPath(counter)));
    }

    @Test
    @Order(2)
    void aPausedVmSuspendsAndASavedStateTheVmmRefusesMakesTheStartBootColdWithTheReason() throws IOException {
        assertEquals("paused", daemon.expect(200, daemon.post("/v1/vms/sleeper/pause", null)).json().path("state")
                .asText());
        suspend();
        // the stream's magic number is gone: QEMU refuses the state, yet its size is right, so only QEMU can tell
        try (FileChannel f = FileChannel.open(savedStateFile(), StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap("XXXX".getBytes(StandardCharsets.US_ASCII)), 0);
        }
        JsonNode started = daemon.expect(200, daemon.post("/v1/vms/sleeper/start?wait=true", null)).json();
        assertEquals("running", started.path("state").asText(), started.toString());
        JsonNode lastStart = started.path("last_start");
        assertEquals("cold", lastStart.path("kind").asText(), started.toString());
        assertTrue(lastStart.path("cold_boot_reason").asText().contains("refused the saved state"), started.toString());
        assertFalse(Files.exists(savedStateFile()));
        assertEquals("ok\n", daemon.exec("sleeper", "echo", "ok").path("stdout").asText());
    }

    @Test
    @Order(3)
    void aStopOfASuspendedVmDiscardsItsSavedState() {
        suspend();
        E2eVm stopped = daemon.action("sleeper", "stop");
        assertEquals("stopped", stopped.state());
        assertTrue(stopped.stateReason().contains("saved state discarded"), stopped.toString());
        assertFalse(Files.exists(savedStateFile()));
        assertFalse(Files.exists(daemon.vmDir(vm.id()).resolve("saved-state.json")));
        JsonNode started = daemon.expect(200, daemon.post("/v1/vms/sleeper/start?wait=true", null)).json();
        assertEquals("cold", started.path("last_start").path("kind").asText(), started.toString());
        assertTrue(started.path("last_start").path("cold_boot_reason").isNull(), "a stopped VM just boots: " + started);
    }

    @Test
    @Order(4)
    void onExpirySuspendSuspendsTheVmAndDeleteRemovesItsSavedState() {
        JsonNode patched = daemon.expect(200, daemon.send("PATCH", "/v1/vms/sleeper",
                "{\"ttl_s\": 3, \"on_expiry\": \"suspend\"}", true)).json();
        assertEquals("suspend", patched.path("on_expiry").asText(), patched.toString());
        DaemonHarness.await("the ttl suspends the VM", WAIT, () -> daemon.vm("sleeper").state().equals("suspended"));
        JsonNode shown = daemon.expect(200, daemon.get("/v1/vms/sleeper")).json();
        assertTrue(shown.path("saved_state").path("bytes").asLong() > 0, shown.toString());
        assertTrue(daemon.historyTypes("sleeper").contains("Expired"));
        assertTrue(Files.exists(savedStateFile()));

        daemon.deleteVm("sleeper");
        assertFalse(Files.exists(daemon.vmDir(vm.id())), "delete removes the VM directory with its saved state");
        assertTrue(HostProcesses.matching(vm.marker()).isEmpty());
    }
}
