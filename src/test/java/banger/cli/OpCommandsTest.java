package banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OpCommandsTest extends CliAgainstFakeDaemonTest {

    static String operation(String id, String vm, String state, String error) {
        return """
                {"id":"%s","kind":"create_vm","vm":"%s","vm_id":"vm-%s-1","state":"%s","error":%s,
                 "created_at":"2025-06-01T11:58:00Z","updated_at":"2025-06-01T11:59:00Z","finished_at":null}"""
                .formatted(id, vm, vm, state, error == null ? "null"
                        : "{\"code\":\"operation_failed\",\"message\":\"" + error + "\"}");
    }

    @Test
    void lsPrintsOperationsAsATable() {
        daemon.answer("GET", "/v1/operations", 200, "{\"operations\":[" + operation("op-2", "db", "running", null)
                + "," + operation("op-1", "web", "failed", "kernel panic") + "]}");

        var result = cli.run("op", "ls");

        assertEquals(0, result.exit(), result.err());
        List<String> lines = result.out().lines().toList();
        assertEquals(3, lines.size(), result.out());
        assertEquals(List.of("ID", "KIND", "VM", "STATE", "AGE", "ERROR"), List.of(lines.get(0).split("\\s+")));
        assertTrue(lines.get(1).startsWith("op-2"), result.out());
        assertTrue(lines.get(2).contains("failed") && lines.get(2).contains("kernel panic"), result.out());
    }

    @Test
    void showPrintsOneOperation() {
        daemon.answer("GET", "/v1/operations/op-1", 200, operation("op-1", "web", "failed", "kernel panic"));

        var result = cli.run("op", "show", "op-1");

        assertEquals(0, result.exit(), result.err());
        assertTrue(result.out().contains("state:    failed"), result.out());
        assertTrue(result.out().contains("error:    operation_failed: kernel panic"), result.out());
        assertTrue(result.out().contains("vm:       web (vm-web-1)"), result.out());
    }

    @Test
    void cancelDeletesTheOperationAndPrintsItsState() {
        daemon.answer("DELETE", "/v1/operations/op-3", 200, operation("op-3", "web", "cancelled", null));

        var result = cli.run("op", "cancel", "op-3");

        assertEquals(0, result.exit(), result.err());
        assertEquals("DELETE", daemon.onlyRequest().method());
        assertEquals("op-3 cancelled\n", result.out());
    }

    @Test
    void cancelOfAFinishedOperationReportsTheConflict() {
        daemon.answer("DELETE", "/v1/operations/op-4", 409,
                ApiSamples.error("conflict", "operation op-4 already succeeded; there is nothing to cancel"));

        var result = cli.run("op", "cancel", "op-4");

        assertEquals(1, result.exit());
        assertTrue(result.err().contains("nothing to cancel"), result.err());
    }
}
