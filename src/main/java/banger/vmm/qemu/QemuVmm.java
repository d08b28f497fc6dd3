package banger.vmm.qemu;

import banger.host.HostCommands;
import banger.vmm.KvmProbe;
import banger.vmm.LaunchSpec;
import banger.vmm.ProcessTable;
import banger.vmm.Vmm;
import banger.vmm.VmmException;
import banger.vmm.VmmHandle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs VMs under qemu-system-x86_64: kernel + initrd + virtio disk, serial console to a file, QMP on a unix
 * socket in the VM directory. QEMU runs in its own session (setsid) so it outlives the daemon; its own
 * stdout/stderr go to {@code <vmDir>/qemu.log}. Blocking: call from the blocking dispatcher only.
 */
public final class QemuVmm implements Vmm {

    public static final String KIND = "qemu";
    static final String LOG_FILE = "qemu.log";
    private static final Logger log = LoggerFactory.getLogger(QemuVmm.class);
    private static final Duration SOCKET_WAIT = Duration.ofSeconds(30);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 50;

    private final HostCommands commands;
    private final String binary;
    private final QemuAccel accel;
    private final ProcessTable processes;

    /** @param accel "auto", "kvm" or "tcg" (config banger.qemu.accel); "auto" picks KVM only if it really works */
    public QemuVmm(HostCommands commands, String binary, String accel) {
        this(commands, binary, QemuAccel.fromConfig(accel, new KvmProbe()), new ProcessTable());
    }

    public QemuVmm(HostCommands commands, String binary, QemuAccel accel, ProcessTable processes) {
        this.commands = commands;
        this.binary = binary;
        this.accel = accel;
        this.processes = processes;
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
                throw new VmmException("qemu for " + spec.vmId() + " exited at start: " + tail(logFile));
            }
            if (System.nanoTime() > deadline) {
                kill(handle);
                throw new VmmException("qemu for " + spec.vmId() + " made no QMP socket within " + SOCKET_WAIT.toSeconds()
                        + "s: " + tail(logFile));
            }
            sleep();
        }
        return handle;
    }

    @Override
    public void shutdown(VmmHandle handle, Duration grace) {
        if (!alive(handle)) {
            return;
        }
        try {
            QmpClient.execute(Path.of(handle.controlSocket()), "system_powerdown", QMP_TIMEOUT);
            if (processes.awaitGone(handle.pid(), grace)) {
                return;
            }
            log.warn("qemu {} did not power off within {}s, killing it", handle.pid(), grace.toSeconds());
        } catch (VmmException e) {
            log.warn("graceful shutdown of qemu {} failed, killing it: {}", handle.pid(), e.getMessage());
        }
        kill(handle);
    }

    @Override
    public void kill(VmmHandle handle) {
        processes.killMarked(handle.pid(), handle.cmdlineMarker(), KILL_WAIT);
    }

    @Override
    public boolean alive(VmmHandle handle) {
        return processes.runningWithArgument(handle.pid(), handle.cmdlineMarker());
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmmException("interrupted while waiting for qemu");
        }
    }

    private static String tail(Path logFile) {
        try {
            String text = Files.exists(logFile) ? Files.readString(logFile).strip() : "";
            return text.isEmpty() ? "(no output)" : text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
        } catch (IOException e) {
            return "(cannot read " + logFile + ")";
        }
    }
}
