package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A daemon crash never takes its VMs down, and a VMM's death is noticed while the daemon runs. */
class DaemonRestartE2eTest extends TinyDaemonE2eTest {

    DaemonRestartE2eTest() {
        super("restart");
    }

    @Test
    void aRunningVmIsAdoptedWithItsPidAfterTheDaemonIsKilledAndMarkedStoppedWhenItsVmmDies() {
        E2eVm before = daemon.createVm("survivor", true);
        assertEquals("running", before.state());
        long pid = before.pid();
        List<String> historyBefore = daemon.historyTypes(before.id());
        assertEquals(List.of("Created", "StartRequested", "Started"), historyBefore);

        long oldDaemon = daemon.daemonPid();
        daemon.killDaemon();
        assertFalse(HostProcesses.alive(oldDaemon), "the daemon is gone");
        assertTrue(HostProcesses.alive(pid), "SIGKILL of the daemon leaves the VMM running");

        daemon.startDaemon();
        DaemonHarness.await("the VM adopted after the restart", Duration.ofSeconds(30),
                () -> daemon.historyTypes(before.id()).contains("Adopted"));
        E2eVm adopted = daemon.vm("survivor");
        assertEquals("running", adopted.state(), adopted.toString());
        assertEquals(pid, adopted.pid(), "adopted with the same VMM pid");
        assertEquals(before.id(), adopted.id());
        assertEquals(List.of("Created", "StartRequested", "Started", "Adopted"), daemon.historyTypes(before.id()),
                "the history before the crash is intact and Adopted follows it");
        assertEquals("0\n", daemon.exec("survivor", "sh", "-c", "echo $?").path("stdout").asText(),
                "the adopted guest still answers");
        // the new daemon copies the running guest's serial console again (SerialConsoles reattaches)
        // (output before the new daemon attached is dropped, so the guest says it again until it shows)
        DaemonHarness.await("guest output after the restart in the console log", Duration.ofSeconds(30), () -> {
            daemon.exec("survivor", "sh", "-c", "echo console-after-restart > /dev/console");
            return daemon.console("survivor").contains("console-after-restart");
        });

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        DaemonHarness.await("the VM stopped after its VMM was killed", Duration.ofSeconds(20),
                () -> "stopped".equals(daemon.vm("survivor").state()));
        E2eVm stopped = daemon.vm("survivor");
        assertNotNull(stopped.stateReason());
        assertTrue(stopped.stateReason().contains("VMM exited"), stopped.stateReason());
        assertNull(stopped.pid(), "a stopped VM has no pid");
        List<String> history = daemon.historyTypes(before.id());
        assertEquals(List.of("StopRequested", "Stopped"), history.subList(history.size() - 2, history.size()),
                "the VMM's death is journaled: " + history);
        assertEquals(List.of(), HostProcesses.matching(before.marker()));
    }
}
