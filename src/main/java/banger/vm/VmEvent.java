package banger.vm;

import banger.wire.EgressPolicy;
import banger.persistence.JsonSerializable;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What happened to a VM, as journaled. A transition journals its intent (…Requested) before any side
 * effect and its outcome after, so a crash in between is visible on recovery.
 */
public sealed interface VmEvent extends JsonSerializable {

    Instant at();

    record Created(VmSpec spec, Instant at) implements VmEvent {
    }

    record StartRequested(Instant at) implements VmEvent {
    }

    /**
     * @param startKind      "warm" (resumed from its saved state) or "cold" (booted); null in events written before
     *                       suspend existed, read as cold
     * @param coldBootReason why a VM that was suspended booted cold instead (its saved state was unusable), else null
     */
    record Started(long pid, Instant at, String startKind, String coldBootReason) implements VmEvent {

        public Started(long pid, Instant at) {
            this(pid, at, null, null);
        }
    }

    /** @param step the launch step that failed (see {@code LaunchPlan}); null before steps were recorded */
    record StartFailed(String reason, String step, Instant at) implements VmEvent {
    }

    record StopRequested(boolean force, Instant at) implements VmEvent {
    }

    record Stopped(String reason, Instant at) implements VmEvent {
    }

    /** After a daemon restart the VM's VMM was found alive and taken back. */
    record Adopted(long pid, Instant at) implements VmEvent {
    }

    /** {@code egress} is null when it did not change (and in events written before it existed). */
    record Reconfigured(int vcpus, int memoryMib, int diskMib, Map<String, String> labels, Instant at,
                        EgressPolicy egress) implements VmEvent {

        public Reconfigured(int vcpus, int memoryMib, int diskMib, Map<String, String> labels, Instant at) {
            this(vcpus, memoryMib, diskMib, labels, at, null);
        }
    }

    record DeleteRequested(Instant at) implements VmEvent {
    }

    /** The creation was cancelled while its start ran: the VM is deleted as soon as the start settles. */
    record CreateCancelled(Instant at) implements VmEvent {
    }

    /** The delete could not make sure nothing of the VM runs (its VMM survived): it is kept, failed, with why. */
    record DeleteFailed(String reason, Instant at) implements VmEvent {
    }

    record Deleted(Instant at) implements VmEvent {
    }

    /**
     * Something a VM's child saw in the guest (a session started, a workspace was prepared), journaled on its
     * request; it changes nothing of the VM's own state.
     *
     * @param type its name in history and the event stream, e.g. "SessionStarted"
     */
    record GuestRecorded(String type, Map<String, Object> data, Instant at) implements VmEvent {

        public GuestRecorded {
            data = data == null ? Map.of() : Map.copyOf(data);
        }
    }

    /** A workspace (banger.workspace) was unpacked into the guest at guestPath, from the host's baseCommit. */
    record WorkspacePrepared(String guestPath, String baseCommit, long files, long bytes, Instant at)
            implements VmEvent {
    }

    /** The guest's work was exported: its head then, and how many commits it had made since baseCommit. */
    record WorkspaceExported(String guestPath, String baseCommit, String head, int commits, Instant at)
            implements VmEvent {
    }

    /** What happened to a guest session of this VM (banger.session); it leaves the VM's own state alone. */
    sealed interface SessionEvent extends VmEvent {
        String session();
    }

    record SessionStarted(String session, String name, List<String> argv, boolean tty, Instant at)
            implements SessionEvent {
    }

    record SessionExited(String session, int exitCode, Instant at) implements SessionEvent {
    }

    record SessionLost(String session, String reason, Instant at) implements SessionEvent {
    }

    /** The session was deleted: it is forgotten. */
    record SessionRemoved(String session, Instant at) implements SessionEvent {
    }

    /** The VM's expiry rules changed (PATCH); a running VM's ttl counts again from {@code at}. */
    record ExpiryChanged(Integer ttlS, Integer idleTimeoutS, String onExpiry, Instant at) implements VmEvent {
    }

    /** API activity on the running VM (journaled at most every so often): its idle clock starts again. */
    record ActivityRecorded(Instant at) implements VmEvent {
    }

    /** A rule ({@code ttl} or {@code idle}) fired; {@code action} (stop, delete) follows as its own events. */
    record Expired(String rule, String action, Instant at) implements VmEvent {
    }

    /** A liveness probe could not check the host for the VM's VMM (why): its state is unknown, not stopped. */
    record HostUnchecked(String reason, Instant at) implements VmEvent {
    }

    /** A probe could check the host again and found the VMM alive: the VM runs. */
    record HostRechecked(long pid, Instant at) implements VmEvent {
    }

    /** The VM's vCPUs were frozen (its VMM keeps running, with the guest's memory). */
    record Paused(Instant at) implements VmEvent {
    }

    record Resumed(Instant at) implements VmEvent {
    }

    /** A suspend began: the VM's memory and device state are being saved ({@code paused}: its vCPUs were frozen). */
    record SuspendRequested(boolean paused, Instant at) implements VmEvent {
    }

    /** The VM's state is saved ({@code bytes} of it) and its VMM gone: it is suspended until a start resumes it. */
    record Suspended(long bytes, Instant at) implements VmEvent {
    }

    /** The suspend failed (why); nothing was kept and the VM is running or paused again, as before it. */
    record SuspendFailed(String reason, boolean paused, Instant at) implements VmEvent {
    }

    /** The short type name used in history and the event stream. */
    static String typeName(VmEvent e) {
        return e instanceof GuestRecorded g ? g.type() : e.getClass().getSimpleName();
    }
}
