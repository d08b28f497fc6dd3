package banger.vmm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A virtual machine monitor driver. Every method blocks (processes, sockets, /proc): call it from the
 * blocking dispatcher only. The VMM process runs in its own session so it outlives a daemon restart.
 */
public interface Vmm {

    /** "qemu" or "firecracker"; recorded in handles so a restarted daemon knows how to talk to it. */
    String kind();

    /** The kernel and disk formats this VMM boots. */
    VmmCapabilities capabilities();

    /** Starts the VMM for this spec and returns once the process is up (not once the guest has booted). */
    default VmmHandle launch(LaunchSpec spec) {
        return launch(spec, handle -> { });
    }

    /**
     * As {@link #launch(LaunchSpec)}, handing the handle to {@code spawned} the moment the process exists, before
     * waiting for its sockets: whoever records it then never loses a VMM to a crash during that wait.
     */
    VmmHandle launch(LaunchSpec spec, java.util.function.Consumer<VmmHandle> spawned);

    /**
     * The running VMM processes of VM {@code vmId} (directory {@code vmDir}), found by their /proc marker: how a VMM
     * is found when handles.json is missing or unreadable.
     */
    java.util.List<VmmHandle> find(String vmId, Path vmDir);

    /** Asks the guest to power off, waits up to {@code grace}, then kills. Returns once the process is gone. */
    void shutdown(VmmHandle handle, Duration grace);

    /** Kills the VMM process at once. Returns once it is gone. */
    void kill(VmmHandle handle);

    /**
     * A unix socket the VMM serves for as long as it lives, for {@link VmmExitWatcher}; empty when the driver
     * has none (its VMs' deaths are then noticed by the liveness poll).
     */
    default Optional<Path> exitSocket(VmmHandle handle) {
        return Optional.empty();
    }

    /** True if the handle's PID is alive, not a zombie, and its command line is still this VM's VMM. */
    boolean alive(VmmHandle handle);

    /** Freezes the guest's vCPUs; the process and the guest's memory stay. */
    default void pause(VmmHandle handle) {
        throw new VmmException(kind() + " cannot pause a VM");
    }

    /** Lets a paused guest's vCPUs run on. */
    default void resume(VmmHandle handle) {
        throw new VmmException(kind() + " cannot resume a VM");
    }

    /** True when {@link #saveState} and {@link #loadState} work with this driver. */
    default boolean savesState() {
        return false;
    }

    /**
     * Stops the guest's vCPUs (already stopped when paused) and writes its memory and device state to {@code target}.
     * The process stays (stopped); kill it once the state is kept. Returns the bytes written.
     */
    default long saveState(VmmHandle handle, Path target, Duration timeout) {
        throw new VmmException(kind() + " cannot save a VM's state");
    }

    /**
     * Loads {@code source} into a VMM launched with {@link LaunchSpec#incoming()}; the guest stays stopped until
     * {@link #resume}. Throws when the VMM refuses the state.
     */
    default void loadState(VmmHandle handle, Path source, Duration timeout) {
        throw new VmmException(kind() + " cannot load a VM's state");
    }
}
