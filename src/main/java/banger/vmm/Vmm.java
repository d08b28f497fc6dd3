package banger.vmm;

import java.time.Duration;

/**
 * A virtual machine monitor driver. Every method blocks (processes, sockets, /proc): call it from the
 * blocking dispatcher only. The VMM process runs in its own session so it outlives a daemon restart.
 */
public interface Vmm {

    /** "qemu" or "firecracker"; recorded in handles so a restarted daemon knows how to talk to it. */
    String kind();

    /** Starts the VMM for this spec and returns once the process is up (not once the guest has booted). */
    VmmHandle launch(LaunchSpec spec);

    /** Asks the guest to power off, waits up to {@code grace}, then kills. Returns once the process is gone. */
    void shutdown(VmmHandle handle, Duration grace);

    /** Kills the VMM process at once. Returns once it is gone. */
    void kill(VmmHandle handle);

    /** True if the handle's PID is alive, not a zombie, and its command line is still this VM's VMM. */
    boolean alive(VmmHandle handle);
}
