package banger.vm;

import banger.persistence.JsonSerializable;
import java.time.Instant;
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

    record Started(long pid, Instant at) implements VmEvent {
    }

    record StartFailed(String reason, Instant at) implements VmEvent {
    }

    record StopRequested(boolean force, Instant at) implements VmEvent {
    }

    record Stopped(String reason, Instant at) implements VmEvent {
    }

    /** After a daemon restart the VM's VMM was found alive and taken back. */
    record Adopted(long pid, Instant at) implements VmEvent {
    }

    record Reconfigured(int vcpus, int memoryMib, int diskMib, Map<String, String> labels, Instant at)
            implements VmEvent {
    }

    record DeleteRequested(Instant at) implements VmEvent {
    }

    /** The creation was cancelled while its start ran: the VM is deleted as soon as the start settles. */
    record CreateCancelled(Instant at) implements VmEvent {
    }

    record Deleted(Instant at) implements VmEvent {
    }

    /** The short type name used in history and the event stream. */
    static String typeName(VmEvent e) {
        return e.getClass().getSimpleName();
    }
}
