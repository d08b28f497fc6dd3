package banger.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A daemon killed (at crash points, as SIGKILL would) in every window of a suspend and a warm start of one real tiny
 * guest recovers it to a state the host agrees with ({@link ChaosInvariants}: suspended ⇔ no VMM and a complete saved
 * state; running ⇔ its VMM): a suspend whose intent was journaled is finished; one whose VMM was already gone without
 * a complete state ends stopped; a warm start cut short ends stopped with its saved state discarded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SuspendCrashE2eTest {

    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final String VM = "crashy";

    private DaemonHarness daemon;
    private Path crashFile;
    private ChaosInvariants invariants;

    @BeforeAll
    void startDaemon() throws IOException {
        assumeFalse("true".equals(System.getProperty("banger.skipE2E")), "e2e tests skipped");
        crashFile = Files.createTempFile("banger-suspend-crash-", ".crash-point");
        Files.delete(crashFile);
        daemon = DaemonHarness.startWith("suspend-crash", "", ChaosRun.crashFileOption(crashFile));
        daemon.bootstrapTinyImage();
        invariants = new ChaosInvariants(daemon, 2, new Random(1));
    }

    @AfterAll
    void stopDaemon() throws IOException {
        if (daemon != null) {
            daemon.close();
        }
        if (crashFile != null) {
            Files.deleteIfExists(crashFile);
        }
    }

    /** Arms {@code point}, sends {@code action}, waits for the daemon's death there, restarts it, checks the VM. */
    private String crashAt(String point, String action, Set<String> expected) {
        try {
            Files.writeString(crashFile, point);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            daemon.post("/v1/vms/" + VM + "/" + action, null);
        } catch (UncheckedIOException diedFirst) {
            // the daemon may halt before it answers the 202
        }
        DaemonHarness.await("the daemon halting at " + point, WAIT, () -> !daemon.daemonAlive());
        daemon.startDaemon();
        List<ChaosInvariants.Finding> findings = new ArrayList<>(invariants.awaitSettled(WAIT));
        findings.addAll(invariants.statesAgreeWithHost(invariants.listVms()));
        assertTrue(findings.isEmpty(), point + ": " + findings + "\n" + daemon.logTail());
        String state = daemon.vm(VM).state();
        assertTrue(expected.contains(state), point + ": " + VM + " is " + state + ", expected one of " + expected
                + "\n" + daemon.logTail());
        return state;
    }

    private void running() {
        if (!"running".equals(daemon.vm(VM).state())) {
            daemon.action(VM, "start");
        }
        DaemonHarness.await(VM + " answering an exec", WAIT,
                () -> daemon.exec(VM, "echo", "up").path("stdout").asText().equals("up\n"));
    }

    private void suspended() {
        if (!"suspended".equals(daemon.vm(VM).state())) {
            running();
            daemon.action(VM, "suspend");
        }
    }

    @Test
    void everyWindowOfASuspendAndAWarmStartRecoversConsistently() {
        daemon.createVm(VM, true);
        running();
        assertEquals("suspended", crashAt("journal:SuspendRequested", "suspend", Set.of("suspended")),
                "a suspend journaled but not begun is finished after the restart");

        assertEquals("stopped", crashAt("launch:load-state", "start", Set.of("stopped")),
                "a warm start cut before the state was loaded ends stopped");

        running();
        crashAt("suspend:saved", "suspend", Set.of("suspended", "running"));

        running();
        crashAt("suspend:stopped", "suspend", Set.of("stopped"));

        running();
        assertEquals("suspended", crashAt("journal:Suspended", "suspend", Set.of("suspended")));

        assertEquals("stopped", crashAt("launch:resume-guest", "start", Set.of("stopped")),
                "a warm start cut before the guest ran on ends stopped");

        suspended();
        daemon.deleteVm(VM);
        assertTrue(invariants.statesAgreeWithHost(invariants.listVms()).isEmpty());
    }
}
