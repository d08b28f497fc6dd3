package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.host.CommandResult;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Creates as operations against the real daemon: cancelled while the guest boots, and repeated with a key. */
class CancelCreateE2eTest extends TinyDaemonE2eTest {

    private static final Pattern TAP_ARGUMENT = Pattern.compile("ifname=(\\S+?),");

    CancelCreateE2eTest() {
        super("cancel");
    }

    @Test
    void aCreateCancelledWhileItsGuestBootsLeavesNothingBehindAndItsNameIsFreeAtOnce() {
        long begin = System.nanoTime();
        JsonNode accepted = daemon.expect(202, daemon.post("/v1/vms",
                Map.of("name", "doomed", "image", "tiny", "start", true))).json();
        String operation = accepted.path("id").asText();
        String vmId = accepted.path("vm_id").asText();
        assertEquals("running", accepted.path("state").asText(), "202 comes once the VM is registered: " + accepted);
        String marker = "banger-" + vmId;

        long qemu = HostProcesses.awaitOne(marker, Duration.ofSeconds(60));
        String tap = tapIn(HostProcesses.commandLine(qemu));
        E2eVm starting = daemon.vm("doomed");
        assertEquals("starting", starting.state(), "cancelled before the guest is ready: " + starting);
        long cancelAt = System.nanoTime();

        ApiResponse cancelled = daemon.expect(200, daemon.delete("/v1/operations/" + operation));
        long cancelMillis = (System.nanoTime() - cancelAt) / 1_000_000;
        System.out.printf("cancel: VMM seen %d ms after POST, DELETE /v1/operations answered in %d ms%n",
                (cancelAt - begin) / 1_000_000, cancelMillis);
        assertEquals("cancelled", cancelled.json().path("state").asText(), cancelled.toString());
        assertEquals(operation, cancelled.json().path("id").asText());
        assertEquals("cancelled", daemon.expect(200, daemon.get("/v1/operations/" + operation)).json()
                .path("state").asText());

        assertGone("doomed", vmId, marker);
        assertFalse(HostProcesses.alive(qemu), "the VMM the cancelled start launched is gone");
        assertEquals(List.of(), qemuProcessesHolding(tap), "no VMM holds " + tap + " open");
        DaemonHarness.await(tap + " back in the pool (on the bridge, no carrier) or deleted", Duration.ofSeconds(15),
                () -> tapReturned(tap));
        System.out.printf("cancel: %s %s%n", tap, daemon.inNetns(List.of("ip", "link", "show", "dev", tap)).ok()
                ? "is back in the pool" : "was deleted by the pool");

        long reuseAt = System.nanoTime();
        E2eVm again = daemon.createVm("doomed", true);
        System.out.printf("cancel: the name reused, new VM running after %d ms%n",
                (System.nanoTime() - reuseAt) / 1_000_000);
        assertEquals("running", again.state(), again.toString());
        assertFalse(again.id().equals(vmId), "a new VM, not the cancelled one");
        assertEquals("0\n", daemon.exec("doomed", "sh", "-c", "echo $?").path("stdout").asText(),
                "the VM made under the reused name answers");
        assertEquals("deleted", daemon.deleteVm("doomed").state());
        assertEquals(List.of(), HostProcesses.matching(again.marker()));
    }

    @Test
    void aCreateRepeatedWithTheSameIdempotencyKeyFindsTheSameOperationAndMakesNoSecondVm() {
        Map<String, Object> body = Map.of("name", "once", "image", "tiny", "start", true);
        Map<String, String> key = Map.of("Idempotency-Key", "create-once-1");
        JsonNode first = daemon.expect(202, daemon.post("/v1/vms", body, key)).json();
        String operation = first.path("id").asText();
        String vmId = first.path("vm_id").asText();

        JsonNode whileInFlight = daemon.expect(202, daemon.post("/v1/vms", body, key)).json();
        assertEquals(operation, whileInFlight.path("id").asText(), "the repeat finds the operation in flight");
        assertEquals(vmId, whileInFlight.path("vm_id").asText());

        DaemonHarness.await("operation " + operation + " succeeded", DaemonHarness.BOOT, () -> {
            String state = daemon.get("/v1/operations/" + operation).json().path("state").asText();
            if (state.equals("failed") || state.equals("cancelled")) {
                throw new AssertionError("operation " + operation + " ended " + state + "\n" + daemon.logTail());
            }
            return state.equals("succeeded");
        });
        JsonNode afterwards = daemon.expect(202, daemon.post("/v1/vms", body, key)).json();
        assertEquals(operation, afterwards.path("id").asText(), "the repeat after the end finds the same operation");
        assertEquals("succeeded", afterwards.path("state").asText());

        ApiResponse otherBody = daemon.post("/v1/vms", Map.of("name", "twice", "image", "tiny", "start", true), key);
        assertEquals(409, otherBody.status(), "the key with a different request is refused: " + otherBody);

        assertEquals(List.of(vmId), daemon.listVms().stream()
                .filter(vm -> vm.name().equals("once") || vm.name().equals("twice")).map(E2eVm::id).toList(),
                "exactly one VM came of the three requests");
        assertEquals(1, HostProcesses.matching("banger-" + vmId).size(), "and exactly one VMM");
        assertEquals("deleted", daemon.deleteVm("once").state());
    }

    @Test
    void aCreateCancelledAsSoonAsItIsAcceptedLeavesNothingBehind() {
        JsonNode accepted = daemon.expect(202, daemon.post("/v1/vms",
                Map.of("name", "early", "image", "tiny", "start", true))).json();
        String operation = accepted.path("id").asText();
        String vmId = accepted.path("vm_id").asText();
        long cancelAt = System.nanoTime();
        ApiResponse cancelled = daemon.expect(200, daemon.delete("/v1/operations/" + operation));
        System.out.printf("cancel at once: DELETE /v1/operations answered in %d ms%n",
                (System.nanoTime() - cancelAt) / 1_000_000);
        assertEquals("cancelled", cancelled.json().path("state").asText(), cancelled.toString());
        ApiResponse repeated = daemon.delete("/v1/operations/" + operation);
        assertEquals(200, repeated.status(), "cancelling a cancelled operation answers it again: " + repeated);
        assertEquals("cancelled", repeated.json().path("state").asText());
        assertGone("early", vmId, "banger-" + vmId);
        E2eVm reused = daemon.createVm("early", false);
        assertEquals("created", reused.state(), "the name is free again: " + reused);
        assertEquals("deleted", daemon.deleteVm("early").state());
    }

    @Test
    void aCreateCancelledWhileTheDaemonWaitsForItsGuestsSshIsCancelledPromptly() {
        // the guest boots and says so on its console, but its SSH never answers: the start waits in its SSH phase
        List<String> block = List.of("nft", "add", "table", "inet", "e2e_no_ssh");
        daemon.namespaceCommands().check(block, Duration.ofSeconds(10));
        try {
            daemon.namespaceCommands().check(List.of("nft", "add", "chain", "inet", "e2e_no_ssh", "out",
                    "{ type filter hook output priority 0 ; }"), Duration.ofSeconds(10));
            daemon.namespaceCommands().check(List.of("nft", "add", "rule", "inet", "e2e_no_ssh", "out",
                    "tcp", "dport", "22", "drop"), Duration.ofSeconds(10));
            JsonNode accepted = daemon.expect(202, daemon.post("/v1/vms",
                    Map.of("name", "mute", "image", "tiny", "start", true))).json();
            String operation = accepted.path("id").asText();
            String vmId = accepted.path("vm_id").asText();
            DaemonHarness.await("the guest's ready line on its console", DaemonHarness.BOOT,
                    () -> daemon.console("mute").contains("banger-guest-ready"));
            HostProcesses.sleep(1000);
            assertEquals("starting", daemon.vm("mute").state(), "the start waits for SSH");

            long cancelAt = System.nanoTime();
            ApiResponse cancelled = daemon.expect(200, daemon.delete("/v1/operations/" + operation));
            long cancelMillis = (System.nanoTime() - cancelAt) / 1_000_000;
            System.out.printf("cancel in the SSH wait: DELETE /v1/operations answered in %d ms%n", cancelMillis);
            assertEquals("cancelled", cancelled.json().path("state").asText(), cancelled.toString());
            assertTrue(cancelMillis < 10_000, "the cancel did not wait out the boot timeout: " + cancelMillis + " ms");
            assertGone("mute", vmId, "banger-" + vmId);
        } finally {
            daemon.namespaceCommands().run(List.of("nft", "delete", "table", "inet", "e2e_no_ssh"),
                    Duration.ofSeconds(10));
        }
    }

    /** The cancelled VM is gone from the API, the process table and the state dir. */
    private void assertGone(String name, String vmId, String marker) {
        ApiResponse byName = daemon.get("/v1/vms/" + name);
        assertEquals(404, byName.status(), byName.toString());
        assertEquals(404, daemon.get("/v1/vms/" + vmId).status());
        assertTrue(daemon.listVms().stream().noneMatch(vm -> vm.id().equals(vmId)), "no row left in the list");
        assertEquals(List.of(), HostProcesses.matching(marker), "no process with the VM's marker");
        assertEquals(List.of(), HostProcesses.matching(daemon.vmDir(vmId).toString()),
                "no process naming the VM's directory");
        assertFalse(Files.exists(daemon.vmDir(vmId)), "the VM's directory is removed");
        // the start's abort may finish after the VM's actor stopped; that must not upset the daemon
        HostProcesses.sleep(1000);
        assertEquals(List.of(), daemon.logLines(" ERROR "), "the daemon logged no error");
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

    /**
     * This daemon's VMMs (their command lines name its state dir) with a file descriptor on {@code tap}: a tun
     * fd's fdinfo names its interface.
     */
    private List<Long> qemuProcessesHolding(String tap) {
        return HostProcesses.matching(daemon.stateDir().toString()).stream().filter(pid -> {
            try (Stream<Path> fds = Files.list(Path.of("/proc", pid.toString(), "fdinfo"))) {
                return fds.anyMatch(fd -> {
                    try {
                        return Files.readString(fd).contains("iff:\t" + tap + "\n");
                    } catch (IOException gone) {
                        return false;
                    }
                });
            } catch (IOException gone) {
                return false;
            }
        }).toList();
    }
}
