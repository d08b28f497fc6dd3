package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Promote on a real tiny guest: a file written in a VM is in the image its stopped disk becomes, and in a VM
 * created from that image; a running VM is not promoted; the promoted image is not removed while used, and
 * goes with its files afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PromoteE2eTest {

    private DaemonHarness daemon;

    @BeforeAll
    void setUp() {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        daemon = DaemonHarness.start("promote");
        daemon.bootstrapTinyImage();
    }

    @AfterAll
    void tearDown() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aStoppedVmsDiskBecomesAnImageAndAVmOfItSeesTheFirstVmsChanges() {
        daemon.createVm("origin", true);
        JsonNode wrote = daemon.exec("origin", "sh", "-c", "echo promoted-content > /root/marker && sync");
        assertEquals(0, wrote.path("exit_code").asInt(), wrote.toString());

        ApiResponse running = daemon.post("/v1/vms/origin/promote", Map.of("name", "golden"));
        assertEquals(409, running.status(), running.toString());
        assertTrue(running.errorMessage().contains("stop it"), running.toString());

        daemon.action("origin", "stop");
        JsonNode image = daemon.expect(201, daemon.post("/v1/vms/origin/promote", Map.of("name", "golden"))).json();
        assertEquals("promoted", image.path("source").asText(), image.toString());
        assertEquals("golden", image.path("name").asText(), image.toString());
        assertEquals(409, daemon.post("/v1/vms/origin/promote", Map.of("name", "golden")).status(),
                "the name is taken now");
        assertEquals(400, daemon.post("/v1/vms/origin/promote", Map.of("name", "Bad Name")).status());

        JsonNode copy = daemon.expect(201, daemon.post("/v1/vms?wait=true",
                Map.of("name", "copy", "image", "golden", "start", true))).json();
        assertEquals("running", copy.path("state").asText(), copy.toString());
        JsonNode marker = daemon.exec("copy", "cat", "/root/marker");
        assertEquals(0, marker.path("exit_code").asInt(), marker.toString());
        assertEquals("promoted-content\n", marker.path("stdout").asText());

        Path files = daemon.stateDir().resolve("images/golden");
        assertEquals(409, daemon.delete("/v1/images/golden").status(), "in use by copy");
        daemon.deleteVm("copy");
        daemon.expect(200, daemon.delete("/v1/images/golden"));
        assertFalse(Files.exists(files), "the promoted image's files are removed with it");
        daemon.deleteVm("origin");
    }
}
