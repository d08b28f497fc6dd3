package banger.vmm.qemu;

import banger.host.HostCommands;
import banger.vmm.KvmProbe;
import banger.vmm.LaunchSpec;
import banger.vmm.LogTail;
import banger.vmm.ProcessTable;
import banger.vmm.Vmm;
import banger.vmm.VmmException;
import banger.vmm.VmmHandle;
import banger.vmm.VmmProcessControl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs VMs under qemu-system-x86_64: kernel + initrd + virtio disk, serial console to a file, QMP on a unix
 * socket in the VM directory. QEMU runs in its own session (setsid) so it outlives the daemon; its own
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

    /** @param accel "auto", "kvm" or "tcg" (config banger.qemu.accel); "auto" picks KVM only if it really works */
    public QemuVmm(HostCommands commands, String binary, String accel) {
        this(commands, binary, QemuAccel.fromConfig(accel, new KvmProbe()), new ProcessTable());
    }

    public QemuVmm(HostCommands commands, String binary, QemuAccel accel, ProcessTable processes) {
        this.commands = commands;
        this.binary = binary;
        this.accel = accel;
        this.processes = processes;
        this.processControl = new VmmProcessControl(KIND, processes);
    }

    @Override
    public String kind() {
        return KIND;
    }

    public QemuAccel accel() {
        return accel;
    }

    @Override
    public VmmHandle launch(LaunchSpec spec) {
        List<String> argv = QemuArgv.build(binary, accel, spec);
        Path socket = QemuArgv.qmpSocket(spec);
        Path logFile = spec.vmDir().resolve(LOG_FILE);
        try {
            Files.createDirectories(spec.vmDir());
            Files.createDirectories(spec.consoleLog().toAbsolutePath().getParent());
            // a socket left by a killed QEMU would make the readiness wait below pass too early
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + spec.vmDir(), e);
        }
        long pid = commands.startDetached(argv, logFile);
        VmmHandle handle = new VmmHandle(KIND, pid, socket.toString(), QemuArgv.marker(spec.vmId()));
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
        return handle;
    }

    @Override
    public void shutdown(VmmHandle handle, Duration grace) {
        processControl.shutdown(handle, grace, "system_powerdown",
                () -> QmpClient.execute(Path.of(handle.controlSocket()), "system_powerdown", QMP_TIMEOUT));
    }

    @Override
    public void kill(VmmHandle handle) {
        processControl.kill(handle);
    }

    @Override
    public boolean alive(VmmHandle handle) {
        return processControl.alive(handle);
    }
}
