package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real daemon refuses bad requests with the documented JSON errors and changes nothing. */
class BadInputE2eTest extends TinyDaemonE2eTest {

    BadInputE2eTest() {
        super("bad-input");
    }

    @BeforeAll
    void createTheVmWhoseNameIsTaken() {
        daemon.createVm("taken", false);
    }

    @Test
    void badCreateRequestsAreRefusedWithJsonErrorsAndLeaveTheFleetAsItWas() {
        List<E2eVm> vmsBefore = daemon.listVms();
        Set<String> dirsBefore = vmDirectories();
        assertEquals(1, vmsBefore.size(), "only the VM made in set-up: " + vmsBefore);

        assertError(422, "unknown_image", daemon.send("POST", "/v1/vms",
                "{\"name\":\"orphan\",\"image\":\"no-such-image\",\"start\":false}", true));
        assertError(409, "conflict", daemon.send("POST", "/v1/vms",
                "{\"name\":\"taken\",\"image\":\"tiny\",\"start\":false}", true));
        assertError(400, "invalid_request", daemon.send("POST", "/v1/vms",
                "{\"name\":\"Not_A_Label!\",\"image\":\"tiny\",\"start\":false}", true));
        assertError(400, "invalid_request", daemon.send("POST", "/v1/vms",
                "{\"name\":\"negative\",\"image\":\"tiny\",\"memory_mib\":-256,\"start\":false}", true));
        assertError(400, "invalid_request", daemon.send("POST", "/v1/vms",
                "{\"name\":\"broken\",\"image\":", true));
        assertError(401, "unauthorized", daemon.send("POST", "/v1/vms",
                "{\"name\":\"sneaky\",\"image\":\"tiny\",\"start\":false}", false));
        assertError(401, "unauthorized", daemon.send("GET", "/v1/vms", null, false));

        assertEquals(vmsBefore, daemon.listVms(), "the fleet is unchanged");
        assertEquals(dirsBefore, vmDirectories(), "no VM directory was created");
        assertEquals(404, daemon.get("/v1/vms/orphan").status());
        assertEquals(List.of(), HostProcesses.matching(daemon.stateDir().toString() + "/vms/"),
                "no VMM was started");
    }

    private static void assertError(int status, String code, ApiResponse response) {
        assertEquals(status, response.status(), response.toString());
        assertTrue(response.contentType().startsWith("application/json"), response.contentType());
        assertEquals(code, response.errorCode(), response.toString());
        String message = response.errorMessage();
        assertTrue(message != null && !message.isBlank(), "an error message: " + response);
        assertFalse(message.contains("Exception") || message.contains("\tat "), "no stack trace: " + message);
    }

    private Set<String> vmDirectories() {
        Path vms = daemon.stateDir().resolve("vms");
        if (!Files.isDirectory(vms)) {
            return Set.of();
        }
        try (Stream<Path> dirs = Files.list(vms)) {
            return dirs.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
