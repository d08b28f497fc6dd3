package banger.vm;

import banger.persistence.JsonSerializable;
import java.time.Instant;
import java.util.Map;

/**
 * A VM's journaled state, rebuilt from its events (and snapshots). Immutable; {@link #apply} is the
 * event handler's whole logic. {@code spec} is null only before the Created event.
 */
public record VmState(VmSpec spec, VmPhase phase, String reason, Long pid, Instant createdAt, Instant updatedAt)
        implements JsonSerializable {

    public static VmState empty() {
        return new VmState(null, VmPhase.CREATED, null, null, null, null);
    }

    public boolean exists() {
        return spec != null;
    }

    public VmState apply(VmEvent event) {
        Instant at = event.at();
        if (event instanceof VmEvent.Created c) {
            return new VmState(c.spec(), VmPhase.CREATED, null, null, at, at);
        } else if (event instanceof VmEvent.StartRequested) {
            return new VmState(spec, VmPhase.STARTING, null, null, createdAt, at);
        } else if (event instanceof VmEvent.Started s) {
            return new VmState(spec, VmPhase.RUNNING, null, s.pid(), createdAt, at);
        } else if (event instanceof VmEvent.Adopted a) {
            return new VmState(spec, VmPhase.RUNNING, "adopted after daemon restart", a.pid(), createdAt, at);
        } else if (event instanceof VmEvent.StartFailed f) {
            return new VmState(spec, VmPhase.FAILED, f.reason(), null, createdAt, at);
        } else if (event instanceof VmEvent.StopRequested) {
            return new VmState(spec, VmPhase.STOPPING, null, pid, createdAt, at);
        } else if (event instanceof VmEvent.Stopped s) {
            return new VmState(spec, VmPhase.STOPPED, s.reason(), null, createdAt, at);
        } else if (event instanceof VmEvent.Reconfigured r) {
            VmSpec next = spec.withSizes(r.vcpus(), r.memoryMib(), r.diskMib()).withLabels(r.labels());
            return new VmState(next, phase, reason, pid, createdAt, at);
        } else if (event instanceof VmEvent.DeleteRequested) {
            return new VmState(spec, VmPhase.DELETING, null, pid, createdAt, at);
        } else if (event instanceof VmEvent.CreateCancelled) {
            return new VmState(spec, VmPhase.DELETING, "creation cancelled", pid, createdAt, at);
        } else if (event instanceof VmEvent.Deleted) {
            return new VmState(spec, VmPhase.DELETED, null, null, createdAt, at);
        }
        throw new IllegalArgumentException("unknown event " + event);
    }

    public VmView view() {
        return new VmView(spec.id(), spec.name(), phase.wireName(), reason, spec.image(), spec.vcpus(),
                spec.memoryMib(), spec.diskMib(), spec.address(), pid, Map.copyOf(spec.labels()), createdAt,
                updatedAt);
    }
}
