package banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import banger.host.ProcessHostCommands;
import banger.image.Image;
import banger.storage.DiskClonerChoice;
import banger.storage.VmDisk;
import banger.vmm.ProcessTable;
import banger.vmm.qemu.QemuAccel;
import banger.vmm.qemu.QemuVmm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VMM the daemon has no (readable) handles for: recorded the moment its process exists, found by its /proc marker
 * when handles.json is missing or torn, killed before a delete frees anything, and never spared by the reconciler
 * because its VM is registered. The VMM is a stand-in QEMU binary (a shell loop carrying QEMU's argv, so its marker
 * and VM directory are in /proc) that never opens its QMP socket, like a QEMU still coming up.
 */
class UnrecordedVmmTest {

    @TempDir
    Path stateDir;

    private final ProcessTable processes = new ProcessTable();
    private final ProcessHostCommands host = new ProcessHostCommands();
    private final List<Long> started = new ArrayList<>();
    private ExecutorService pool;
    private Path fakeQemu;
    private QemuVmm qemu;
    private HostVmRuntime runtime;
    private VmSpec spec;
    private VmDirectory dir;

    @BeforeEach
    void setUp() throws Exception {
        pool = Executors.newFixedThreadPool(4);
        fakeQemu = stateDir.resolve("fake-qemu");
        Files.writeString(fakeQemu, "#!/bin/sh\nwhile :; do sleep 1; done\n");
        Files.setPosixFilePermissions(fakeQemu, PosixFilePermissions.fromString("rwxr-xr-x"));
        qemu = new QemuVmm(host, fakeQemu.toString(), QemuAccel.TCG, processes);
        runtime = new HostVmRuntime(parts());
        spec = new VmSpec(UUID.randomUUID().toString().replace("-", "").substring(0, 12), "ghostly", "tiny", 1, 256,
                512, null, Map.of());
        dir = VmDirectory.of(stateDir, spec.id());
        dir.create();
    }

    @AfterEach
    void tearDown() {
        for (long pid : started) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        processes.pids().stream().filter(pid -> processes.commandLine(pid).contains("banger-" + spec.id()))
                .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        pool.shutdownNow();
    }

    private HostVmRuntime.Parts parts() {
        return new HostVmRuntime.Parts(stateDir, qemu, new DiskClonerChoice(host, "sparse"), null, null, null, null,
                pool, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(1));
    }

    /** A VMM of this VM as a killed daemon leaves it: running, carrying its marker, named in no handles.json. */
    private long strayVmm() throws Exception {
        long pid = host.startDetached(List.of(fakeQemu.toString(), "-name", "banger-" + spec.id(),
                "-qmp", "unix:" + dir.root().toAbsolutePath().resolve("qmp.sock") + ",server=on,wait=off"),
                dir.root().resolve("qemu.log"));
        started.add(pid);
        // setsid's own argv carries the marker too: wait until it has exec'd the stand-in, or a sweep may read the
        // empty command line of a process in the middle of an exec
        awaitTrue(() -> {
            List<String> argv = processes.commandLine(pid);
            return processes.running(pid) && argv.contains("banger-" + spec.id()) && argv.get(0).equals("/bin/sh");
        }, "the stray VMM runs");
        return pid;
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void handlesAreRecordedAsSoonAsTheVmmProcessExistsBeforeItsSocketsAppear() throws Exception {
        Image image = new Image("tiny", "tiny", "/k", "/i", null, "/r", 64L << 20, Instant.now());
        Launch launch = new Launch(spec, image, dir, () -> false, pool);
        launch.disk = new VmDisk(dir.root().resolve("disk.raw"), VmDisk.RAW);
        launch.kernelCmdline = "console=ttyS0";
        LaunchStep launchVmm = new LaunchPlan(parts()).stepsFor(image).stream()
                .filter(s -> s.name().equals(LaunchPlan.LAUNCH_VMM)).findFirst().orElseThrow();
        CompletableFuture<Void> step = launchVmm.run(launch).toCompletableFuture();

        // the stand-in never makes its QMP socket: the step waits (up to 30 s) while the process runs
        awaitTrue(() -> Files.exists(dir.handlesFile()), "handles.json written while the VMM is coming up (step "
                + (step.isDone() ? "done" : "still waiting") + ")");
        assertFalse(step.isDone(), "recorded before the wait for the VMM's sockets ended");
        long pid = dir.readHandles().orElseThrow().vmm().pid();
        assertTrue(processes.runningWithArgument(pid, "banger-" + spec.id()), "handles.json names the live VMM " + pid);

        processes.killMarked(pid, "banger-" + spec.id(), Duration.ofSeconds(10));
        Throwable failure = step.handle((v, e) -> e).get(30, TimeUnit.SECONDS);
        assertTrue(failure != null && String.valueOf(failure.getMessage()).contains("exited at start"),
                "the step fails once its VMM is gone: " + failure);
    }

    @Test
    void probeAndStopFindAVmmWithoutHandlesByItsMarker() throws Exception {
        long pid = strayVmm();

        VmRuntime.Probe probe = runtime.probe(spec).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertFalse(probe.alive(), "without handles it cannot be adopted: " + probe);
        assertEquals(pid, probe.pid(), "but it is found: " + probe);

        String reason = runtime.stop(spec, true).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertTrue(processes.exited(pid), "the stop killed the unrecorded VMM " + pid);
        assertTrue(reason.contains(Long.toString(pid)), "and says so: " + reason);
    }

    @Test
    void deleteWithUnreadableHandlesKillsTheVmmBeforeRemovingTheVm() throws Exception {
        long pid = strayVmm();
        Files.writeString(dir.handlesFile(), "{\"vmm\": {\"pid\": ");

        runtime.destroy(spec).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertTrue(processes.exited(pid), "the VMM found by its marker is gone before the delete completes");
        assertFalse(Files.exists(dir.root()), "and the VM's directory with it");
    }

    @Test
    void theReconcilerKillsARegisteredVmsVmmThatItsHandlesDoNotName() throws Exception {
        long stray = strayVmm();
        Instant afterStart = Instant.now().plusSeconds(5);

        Reconciler.Report report = Reconciler.sweep(stateDir, processes, Set.of(spec.id()), afterStart,
                Duration.ofHours(1));
        // contains, not equals: a child the stand-in forks carries its argv until it execs `sleep`, and is killed too
        assertTrue(report.killedProcesses().contains(stray), "report " + report + "; the stray: argv "
                + processes.commandLine(stray) + ", started " + ProcessHandle.of(stray).flatMap(h -> h.info().startInstant())
                + ", sweep as of " + afterStart + ", handles " + dir.readHandles());
        assertTrue(processes.exited(stray));

        long recorded = strayVmm();
        dir.writeHandles(new VmHandles(new banger.vmm.VmmHandle("qemu", recorded, "/nowhere", "banger-" + spec.id()),
                null, null, null, null));
        report = Reconciler.sweep(stateDir, processes, Set.of(spec.id()), afterStart.plusSeconds(5),
                Duration.ofHours(1));
        assertFalse(report.killedProcesses().contains(recorded), "the VMM its handles name is its own: " + report);
        assertTrue(processes.running(recorded));
        assertEquals(Optional.of(recorded), dir.readHandles().map(h -> h.vmm().pid()));
    }
}
