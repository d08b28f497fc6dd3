package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One real tiny guest through its whole life over the API: boot, graceful stop, start, restart, delete. */
class VmLifecycleE2eTest extends TinyDaemonE2eTest {

    VmLifecycleE2eTest() {
        super("lifecycle");
    }

    @Test
    void aVmBootsStopsGracefullyStartsRestartsAndIsDeletedWithoutATrace() {
        E2eVm created = daemon.createVm("life", true);
        assertEquals("running", created.state(), created.toString());
        assertNotNull(created.pid(), "a running VM reports its VMM pid");
        String id = created.id();
        long firstPid = created.pid();
        assertEquals(List.of(firstPid), HostProcesses.matching(created.marker()),
                "exactly one process carries the VM's marker, and it is the pid the API reported");
        DaemonHarness.await("banger-guest-ready on the console", Duration.ofSeconds(30),
                () -> daemon.console("life").contains("banger-guest-ready"));

        E2eVm stopped = daemon.action("life", "stop");
        assertEquals("stopped", stopped.state());
        assertTrue(daemon.console(id).contains("banger-guest-stopping"),
                "a graceful stop runs the guest's shutdown (its console shows banger-guest-stopping)");
        assertFalse(HostProcesses.alive(firstPid), "the VMM is gone after stop");
        assertEquals(List.of(), HostProcesses.matching(created.marker()));

        E2eVm started = daemon.action("life", "start");
        assertEquals("running", started.state());
        assertNotNull(started.pid());
        DaemonHarness.await("banger-guest-ready after start", Duration.ofSeconds(30),
                () -> daemon.console("life").contains("banger-guest-ready"));

        E2eVm restarted = daemon.action("life", "restart");
        assertEquals("running", restarted.state());
        assertNotEquals(started.pid(), restarted.pid(), "restart runs a new VMM");
        assertFalse(HostProcesses.alive(started.pid()), "the VMM before the restart is gone");
        DaemonHarness.await("banger-guest-ready after restart", Duration.ofSeconds(30),
                () -> daemon.console("life").contains("banger-guest-ready"));

        List<String> history = daemon.historyTypes(id);
        assertEquals(List.of("Created", "StartRequested", "Started", "StopRequested", "Stopped",
                        "StartRequested", "Started", "StopRequested", "Stopped", "StartRequested", "Started"),
                history, "history in order (seq checked to increase)");

        E2eVm deleted = daemon.deleteVm(id);
        assertEquals("deleted", deleted.state());
        assertEquals(List.of(), HostProcesses.matching(created.marker()), "no process left with the VM's marker");
        assertFalse(HostProcesses.alive(restarted.pid()));
        assertFalse(Files.exists(daemon.vmDir(id)), "the VM's directory is removed");
        ApiResponse gone = daemon.get("/v1/vms/" + id);
        assertEquals(404, gone.status(), gone.toString());
        assertEquals("not_found", gone.errorCode());
        assertEquals(404, daemon.get("/v1/vms/life").status());
        assertTrue(daemon.listVms().stream().noneMatch(vm -> vm.id().equals(id)), "no row left in the list");
    }
}
