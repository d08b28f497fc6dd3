package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.host.CommandResult;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Start, stop and delete as operations against the real daemon and a real tiny guest, each cancelled mid-way:
 * the VM ends in a consistent state with nothing left over (no VMM, the TAP back in the pool, no VM directory
 * after a delete). The tests share one VM and run in order: start, stop, delete; then the CLI follows a start.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleOperationsE2eTest extends TinyDaemonE2eTest {

    private static final Pattern TAP_ARGUMENT = Pattern.compile("ifname=(\\S+?),");
    private static final String VM = "life-ops";

    LifecycleOperationsE2eTest() {
        super("lifeops");
    }

    @Test
    @Order(1)
    void aStartCancelledWhileTheGuestBootsLeavesTheVmStoppedWithNothingRunning() {
        E2eVm vm = daemon.createVm(VM, false);
        String marker = vm.marker();
        String operation = accepted(daemon.post("/v1/vms/" + VM + "/start", null), "start_vm");

        long qemu = HostProcesses.awaitOne(marker, Duration.ofSeconds(60));
        String tap = tapIn(HostProcesses.commandLine(qemu));
        E2eVm starting = daemon.vm(VM);
        assertEquals("starting", starting.state(), "cancelled before the guest is ready: " + starting);

        long cancelAt = System.nanoTime();
        ApiResponse cancelled = daemon.expect(200, daemon.delete("/v1/operations/" + operation));
        System.out.printf("lifeops: cancel of a start answered in %d ms%n", (System.nanoTime() - cancelAt) / 1_000_000);
        assertEquals("cancelled", cancelled.json().path("state").asText(), cancelled.toString());
        assertEquals("stopped", daemon.vm(VM).state(), "a cancelled start leaves the VM stopped");
        assertFalse(HostProcesses.alive(qemu), "the VMM the cancelled start launched is gone");
        assertEquals(List.of(), HostProcesses.matching(marker), "no process with the VM's marker");
        DaemonHarness.await(tap + " back in the pool (on the bridge, no carrier) or deleted", Duration.ofSeconds(15),
                () -> tapReturned(tap));
        E2eVm again = daemon.action(VM, "start");
        assertEquals("running", again.state(), "the VM starts again afterwards: " + again);
    }

    @Test
    @Order(2)
    void aStopCancelledMidWayEndsWithTheVmStoppedAndNoVmmLeft() {
        E2eVm running = ensureRunning();
        String marker = running.marker();
        String tap = tapIn(HostProcesses.commandLine(HostProcesses.matching(marker).get(0)));
        String operation = accepted(daemon.post("/v1/vms/" + VM + "/stop", null), "stop_vm");

        ApiResponse cancel = daemon.delete("/v1/operations/" + operation);
        // the cancel completes the stop (answering the cancelled operation); if the stop won the race it is 409
        assertTrue(cancel.status() == 200 || cancel.status() == 409, cancel.toString());
        String outcome = awaitFinished(operation);
        System.out.printf("lifeops: cancel of a stop answered %d, operation %s%n", cancel.status(), outcome);
        assertEquals(cancel.status() == 200 ? "cancelled" : "succeeded", outcome, cancel.toString());
        assertEquals("stopped", daemon.vm(VM).state(), "never half stopped");
        assertEquals(List.of(), HostProcesses.matching(marker), "no VMM left");
        DaemonHarness.await(tap + " back in the pool (on the bridge, no carrier) or deleted", Duration.ofSeconds(15),
                () -> tapReturned(tap));
    }

    @Test
    @Order(3)
    void aDeleteCancelledMidWayCompletesAndLeavesNothingBehind() {
        E2eVm running = ensureRunning();
        String marker = running.marker();
        String tap = tapIn(HostProcesses.commandLine(HostProcesses.matching(marker).get(0)));
        String operation = accepted(daemon.delete("/v1/vms/" + VM), "delete_vm");

        ApiResponse cancel = daemon.delete("/v1/operations/" + operation);
        assertEquals(409, cancel.status(), "a delete under way cannot be undone: " + cancel);
        assertEquals("succeeded", awaitFinished(operation), "the delete completes");
        assertEquals(404, daemon.get("/v1/vms/" + VM).status());
        assertEquals(404, daemon.get("/v1/vms/" + running.id()).status());
        assertEquals(List.of(), HostProcesses.matching(marker), "no VMM left");
        assertFalse(Files.exists(daemon.vmDir(running.id())), "the VM's directory is removed");
        DaemonHarness.await(tap + " back in the pool (on the bridge, no carrier) or deleted", Duration.ofSeconds(15),
                () -> tapReturned(tap));
        assertEquals(List.of(), daemon.logLines(" ERROR "), "the daemon logged no error");
    }

    @Test
    @Order(4)
    void theCliFollowsAStartAndARemoveToTheirEnd() {
        E2eVm vm = daemon.createVm("life-cli", false);

        BangerCliRun.Result start = BangerCliRun.run(daemon, "vm", "start", "life-cli");
        assertEquals(0, start.exit(), start + "\n" + daemon.logTail());
        assertEquals("life-cli running\n", start.out(), start.toString());
        assertTrue(start.err().startsWith("starting life-cli... done"), start.toString());
        assertEquals("running", daemon.vm("life-cli").state());

        BangerCliRun.Result noWait = BangerCliRun.run(daemon, "vm", "stop", "life-cli", "--no-wait");
        assertEquals(0, noWait.exit(), noWait.toString());
        String[] op = noWait.out().trim().split(" ");
        assertEquals(List.of("stop_vm", "life-cli"), List.of(op[1], op[2]), noWait.toString());
        assertEquals("succeeded", awaitFinished(op[0]));

        BangerCliRun.Result rm = BangerCliRun.run(daemon, "vm", "rm", "life-cli");
        assertEquals(0, rm.exit(), rm.toString());
        assertEquals("life-cli deleted\n", rm.out(), rm.toString());
        assertEquals(List.of(), HostProcesses.matching(vm.marker()), "no VMM left");
        assertFalse(Files.exists(daemon.vmDir(vm.id())), "the VM's directory is removed");
    }

    // ---- helpers

    private E2eVm ensureRunning() {
        E2eVm vm = daemon.vm(VM);
        if (!vm.state().equals("running")) {
            vm = daemon.action(VM, "start");
        }
        assertEquals("running", vm.state(), vm.toString());
        E2eVm running = vm;
        DaemonHarness.await("the VMM of " + VM, Duration.ofSeconds(30),
                () -> !HostProcesses.matching(running.marker()).isEmpty());
        return vm;
    }

    /** The request was answered 202 with a running operation of {@code kind}; its id. */
    private String accepted(ApiResponse response, String kind) {
        JsonNode op = daemon.expect(202, response).json();
        assertEquals(kind, op.path("kind").asText(), op.toString());
        assertEquals(VM, op.path("vm").asText(), op.toString());
        return op.path("id").asText();
    }

    private String awaitFinished(String operation) {
        String[] state = new String[1];
        DaemonHarness.await("operation " + operation + " finished", DaemonHarness.BOOT, () -> {
            state[0] = daemon.expect(200, daemon.get("/v1/operations/" + operation)).json().path("state").asText();
            return !state[0].equals("running") && !state[0].equals("pending");
        });
        return state[0];
    }

    private static String tapIn(String qemuCommandLine) {
        Matcher m = TAP_ARGUMENT.matcher(qemuCommandLine);
        if (!m.find()) {
            throw new AssertionError("the VMM has no TAP: " + qemuCommandLine);
        }
        return m.group(1);
    }

    /** A TAP no process holds has no carrier; the pool keeps it on the bridge, or deletes it if reset failed. */
    private boolean tapReturned(String tap) {
        CommandResult link = daemon.inNetns(List.of("ip", "-o", "link", "show", "dev", tap));
        if (!link.ok()) {
            return true;
        }
        String out = link.stdout();
        return out.contains(" master banger0 ") && out.contains("NO-CARRIER") && !out.contains("LOWER_UP");
    }
}
