package banger.vmm.qemu;

import banger.host.HostCommands;
import banger.storage.VmDisk;
import banger.vmm.KvmProbe;
import banger.vmm.LaunchSpec;
import banger.vmm.LogTail;
import banger.vmm.ProcessTable;
import banger.vmm.Vmm;
import banger.vmm.VmmCapabilities;
import banger.vmm.VmmException;
import banger.vmm.VmmHandle;
import banger.vmm.VmmProcessControl;
import banger.vmm.console.ConsoleLimits;
import banger.vmm.console.SerialConsoles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Runs VMs under qemu-system-x86_64: kernel + initrd + virtio disk, serial console on a unix socket that
 * {@link SerialConsoles} copies into a capped log, QMP on a unix socket in the VM directory. QEMU runs in its own session (setsid) so it outlives the daemon; its own
 * stdout/stderr go to {@code <vmDir>/qemu.log}. Blocking: call from the blocking dispatcher only.
 */
public final class QemuVmm implements Vmm {

    public static final String KIND = "qemu";
    static final String LOG_FILE = "qemu.log";
    private static final Duration SOCKET_WAIT = Duration.ofSeconds(30);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(50);

    private final HostCommands commands;
    private final String binary;
    private final QemuAccel accel;
    private final ProcessTable processes;
    private final VmmProcessControl processControl;
    private QemuSandbox sandbox = QemuSandbox.ROOT;
    private final QemuMigration migration;
    private final SerialConsoles consoles;

    /** @param accel "auto", "kvm" or "tcg" (config banger.qemu.accel); "auto" picks KVM only if it really works */
    public QemuVmm(HostCommands commands, String binary, String accel, SerialConsoles consoles) {
        this(commands, binary, QemuAccel.fromConfig(accel, new KvmProbe()), new ProcessTable(), consoles);
    }

    public QemuVmm(HostCommands commands, String binary, QemuAccel accel, ProcessTable processes) {
        this(commands, binary, accel, processes, new SerialConsoles(ConsoleLimits.DEFAULT));
    }

    public QemuVmm(HostCommands commands, String binary, QemuAccel accel, ProcessTable processes,
                   SerialConsoles consoles) {
        this.consoles = consoles;
        this.commands = commands;
        this.binary = binary;
        this.accel = accel;
        this.processes = processes;
        this.processControl = new VmmProcessControl(KIND, processes);
        this.migration = new QemuMigration(processes);
    }

    /** Runs every QEMU launched from now on inside this sandbox (config banger.qemu.run-as). */
    public QemuVmm sandboxed(QemuSandbox sandbox) {
        this.sandbox = sandbox;
        return this;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public VmmCapabilities capabilities() {
        return new VmmCapabilities(VmmCapabilities.KernelFormat.BZIMAGE,
                Set.of(VmDisk.RAW, VmDisk.QCOW2));
    }

    public QemuAccel accel() {
        return accel;
    }

    @Override
    public VmmHandle launch(LaunchSpec spec, java.util.function.Consumer<VmmHandle> spawned) {
        List<String> argv = QemuArgv.build(binary, accel, spec, sandbox);
        Path socket = QemuArgv.qmpSocket(spec);
        Path logFile = spec.vmDir().resolve(LOG_FILE);
        try {
            Files.createDirectories(spec.vmDir());
            Files.createDirectories(spec.consoleLog().toAbsolutePath().getParent());
            // a socket left by a killed QEMU would make the readiness wait below pass too early
            Files.deleteIfExists(socket);
            Files.deleteIfExists(QemuArgv.consoleSocket(spec));
            Files.deleteIfExists(spec.vmDir().toAbsolutePath().resolve(QemuMigration.LOAD_SOCKET));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + spec.vmDir(), e);
        }
        long pid = commands.startDetached(argv, logFile);
        VmmHandle handle = new VmmHandle(KIND, pid, socket.toString(), QemuArgv.marker(spec.vmId()));
        try {
            spawned.accept(handle);
        } catch (RuntimeException e) {
            kill(handle);
            throw e;
        }
        long deadline = System.nanoTime() + SOCKET_WAIT.toNanos();
        while (!Files.exists(socket)) {
            if (!processes.running(pid)) {
                throw new VmmException("qemu for " + spec.vmId() + " exited at start: " + LogTail.of(logFile, "(no output)"));
            }
            if (System.nanoTime() > deadline) {
                kill(handle);
                throw new VmmException("qemu for " + spec.vmId() + " made no QMP socket within " + SOCKET_WAIT.toSeconds()
                        + "s: " + LogTail.of(logFile, "(no output)"));
            }
            processControl.pause(POLL);
        }
        // QEMU made its chardevs before QMP: the console socket listens by now
        if (!consoles.attach(QemuArgv.consoleSocket(spec), spec.consoleLog())) {
            kill(handle);
            throw new VmmException("qemu for " + spec.vmId() + " does not serve its console socket: "
                    + LogTail.of(logFile, "(no output)"));
        }
        return handle;
    }

    @Override
    public void shutdown(VmmHandle handle, Duration grace) {
        processControl.shutdown(handle, grace, "system_powerdown",
                () -> QmpClient.execute(Path.of(handle.controlSocket()), "system_powerdown", QMP_TIMEOUT));
    }

    @Override
    public void pause(VmmHandle handle) {
        QmpClient.execute(Path.of(handle.controlSocket()), "stop", QMP_TIMEOUT);
    }

    @Override
    public void resume(VmmHandle handle) {
        QmpClient.execute(Path.of(handle.controlSocket()), "cont", QMP_TIMEOUT);
    }

    @Override
    public boolean savesState() {
        return true;
    }

    @Override
    public long saveState(VmmHandle handle, Path target, Duration timeout) {
        Path qmp = Path.of(handle.controlSocket());
        return migration.save(qmp, handle.pid(), sandbox.runAs(), target, qmp.resolveSibling(LOG_FILE), timeout);
    }

    @Override
    public void loadState(VmmHandle handle, Path source, Duration timeout) {
        Path qmp = Path.of(handle.controlSocket());
        migration.load(qmp, handle.pid(), source, qmp.resolveSibling(LOG_FILE), timeout);
    }

    @Override
    public void kill(VmmHandle handle) {
        processControl.kill(handle);
    }

    @Override
    public Optional<Path> exitSocket(VmmHandle handle) {
        return Optional.of(QemuArgv.exitSocket(Path.of(handle.controlSocket())));
    }

    @Override
    public List<VmmHandle> find(String vmId, Path vmDir) {
        return processControl.find(KIND, QemuArgv.marker(vmId), vmDir,
                vmDir.toAbsolutePath().resolve(QemuArgv.QMP_SOCKET).toString());
    }

    @Override
    public boolean alive(VmmHandle handle) {
        return processControl.alive(handle);
    }
}
