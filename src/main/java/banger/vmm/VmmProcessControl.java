package banger.vmm;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host process behind a {@link VmmHandle}, as every driver controls it: alive and killed by its /proc
 * marker (so a recycled PID is never taken for it), and shut down by asking the guest to power off, then
 * killing the process if the request fails or the process outlives the grace period. Blocking.
 */
public final class VmmProcessControl {

    private static final Logger log = LoggerFactory.getLogger(VmmProcessControl.class);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final String vmmName;
    private final ProcessTable processes;

    /** @param vmmName how log lines and errors name the VMM, e.g. "qemu" */
    public VmmProcessControl(String vmmName, ProcessTable processes) {
        this.vmmName = vmmName;
        this.processes = processes;
    }

    /** Sends a guest a power-off request; throws VmmException if it could not be delivered. */
    @FunctionalInterface
    public interface PowerOffRequest {
        void send();
    }

    /** Handles for every running VMM of {@code kind} carrying {@code marker} with a path under {@code vmDir}. */
    public java.util.List<VmmHandle> find(String kind, String marker, java.nio.file.Path vmDir, String controlSocket) {
        return processes.findMarked(marker, vmDir).stream()
                .map(pid -> new VmmHandle(kind, pid, controlSocket, marker)).toList();
    }

    public boolean alive(VmmHandle handle) {
        return processes.runningWithArgument(handle.pid(), handle.cmdlineMarker());
    }

    public void kill(VmmHandle handle) {
        processes.killMarked(handle.pid(), handle.cmdlineMarker(), KILL_WAIT);
    }

    /** @param requestName what {@code request} sends, for the log, e.g. "system_powerdown" */
    public void shutdown(VmmHandle handle, Duration grace, String requestName, PowerOffRequest request) {
        if (!alive(handle)) {
            return;
        }
        try {
            request.send();
            if (processes.awaitGone(handle.pid(), grace)) {
                return;
            }
            log.warn("{} pid {} still running {} ms after {}, killing it", vmmName, handle.pid(), grace.toMillis(), requestName);
        } catch (VmmException e) {
            log.warn("{} to {} pid {} failed, killing it: {}", requestName, vmmName, handle.pid(), e.getMessage());
        }
        kill(handle);
    }

    /** Sleeps between two polls of a VMM that is starting. */
    public void pause(Duration poll) {
        try {
            Thread.sleep(poll.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmmException("interrupted while waiting for " + vmmName, e);
        }
    }
}
