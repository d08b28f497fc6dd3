package banger.vm;

import banger.wire.LastStartView;
import banger.wire.SavedStateView;
import banger.wire.VmView;
import banger.persistence.JsonSerializable;
import java.time.Instant;
import java.util.Map;

/**
 * A VM's journaled state, rebuilt from its events (and snapshots). Immutable; {@link #apply} is the
 * event handler's whole logic. {@code spec} is null only before the Created event.
 */
public record VmState(VmSpec spec, VmPhase phase, String reason, Long pid, Instant createdAt, Instant updatedAt,
                      VmDeadlines deadlines, SavedStateView savedState, LastStartView lastStart)
        implements JsonSerializable {

    /** The reason a suspending VM carries when it was paused before: a failed suspend leaves it paused again. */
    static final String SUSPENDING_PAUSED = "suspending a paused VM";

    public VmState {
        deadlines = deadlines == null ? VmDeadlines.NONE : deadlines;
    }

    public VmState(VmSpec spec, VmPhase phase, String reason, Long pid, Instant createdAt, Instant updatedAt,
                   VmDeadlines deadlines) {
        this(spec, phase, reason, pid, createdAt, updatedAt, deadlines, null, null);
    }

    public VmState(VmSpec spec, VmPhase phase, String reason, Long pid, Instant createdAt, Instant updatedAt) {
        this(spec, phase, reason, pid, createdAt, updatedAt, VmDeadlines.NONE);
    }

    public static VmState empty() {
        return new VmState(null, VmPhase.CREATED, null, null, null, null);
    }

    public boolean exists() {
        return spec != null;
    }

    public VmState apply(VmEvent event) {
        VmState next = applyToSpecAndPhase(event);
        return new VmState(next.spec, next.phase, next.reason, next.pid, next.createdAt, next.updatedAt,
                deadlines.apply(event, next), savedStateAfter(event), lastStartAfter(event));
    }

    /** Kept from the suspend until the VM starts, stops or goes (each of which discards the files). */
    private SavedStateView savedStateAfter(VmEvent event) {
        if (event instanceof VmEvent.Suspended s) {
            return new SavedStateView(s.bytes(), s.at());
        }
        boolean discarded = event instanceof VmEvent.Started || event instanceof VmEvent.Adopted
                || event instanceof VmEvent.StartFailed || event instanceof VmEvent.Stopped
                || event instanceof VmEvent.Deleted;
        return discarded ? null : savedState;
    }

    private LastStartView lastStartAfter(VmEvent event) {
        if (event instanceof VmEvent.Started s) {
            return new LastStartView(s.startKind() == null ? LastStartView.COLD : s.startKind(), s.coldBootReason());
        }
        return lastStart;
    }

    private VmState applyToSpecAndPhase(VmEvent event) {
        if (event instanceof VmEvent.ExpiryChanged e) {
            VmSpec next = spec.withExpiry(new VmExpiry(e.ttlS(), e.idleTimeoutS(), ExpiryAction.fromWire(e.onExpiry())));
            return new VmState(next, phase, reason, pid, createdAt, e.at());
        } else if (event instanceof VmEvent.ActivityRecorded || event instanceof VmEvent.Expired) {
            return this;
        } else if (event instanceof VmEvent.Paused p) {
            return new VmState(spec, VmPhase.PAUSED, null, pid, createdAt, p.at());
        } else if (event instanceof VmEvent.Resumed r) {
            return new VmState(spec, VmPhase.RUNNING, null, pid, createdAt, r.at());
        } else if (event instanceof VmEvent.SuspendRequested r) {
            return new VmState(spec, VmPhase.SUSPENDING, r.paused() ? SUSPENDING_PAUSED : null, pid, createdAt, r.at());
        } else if (event instanceof VmEvent.Suspended su) {
            return new VmState(spec, VmPhase.SUSPENDED, null, null, createdAt, su.at());
        } else if (event instanceof VmEvent.SuspendFailed f) {
            return new VmState(spec, f.paused() ? VmPhase.PAUSED : VmPhase.RUNNING, "suspend failed: " + f.reason(),
                    pid, createdAt, f.at());
        } else if (event instanceof VmEvent.HostUnchecked u) {
            return new VmState(spec, VmPhase.UNKNOWN, u.reason(), pid, createdAt, u.at());
        } else if (event instanceof VmEvent.HostRechecked r) {
            return new VmState(spec, VmPhase.RUNNING, null, r.pid(), createdAt, r.at());
        }
        if (event instanceof VmEvent.SessionEvent) {
            return this;
        }
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
            VmSpec next = spec.withSizes(r.vcpus(), r.memoryMib(), r.diskMib()).withLabels(r.labels())
                    .withEgress(r.egress() != null ? r.egress() : spec.egress());
            return new VmState(next, phase, reason, pid, createdAt, at);
        } else if (event instanceof VmEvent.DeleteRequested) {
            return new VmState(spec, VmPhase.DELETING, null, pid, createdAt, at);
        } else if (event instanceof VmEvent.CreateCancelled) {
            return new VmState(spec, VmPhase.DELETING, "creation cancelled", pid, createdAt, at);
        } else if (event instanceof VmEvent.GuestRecorded) {
            return this;
        } else if (event instanceof VmEvent.DeleteFailed f) {
            return new VmState(spec, VmPhase.FAILED, "delete failed: " + f.reason(), pid, createdAt, at);
        } else if (event instanceof VmEvent.Deleted) {
            return new VmState(spec, VmPhase.DELETED, null, null, createdAt, at);
        } else if (event instanceof VmEvent.WorkspacePrepared || event instanceof VmEvent.WorkspaceExported) {
            // recorded for history and the event stream; the lifecycle does not depend on them
            return this;
        }
        throw new IllegalArgumentException("unknown event " + event);
    }

    public VmView view() {
        return new VmView(spec.id(), spec.name(), phase.wireName(), reason, spec.image(), spec.vcpus(),
                spec.memoryMib(), spec.diskMib(), spec.address(), pid, Map.copyOf(spec.labels()), createdAt,
                updatedAt, spec.egress(), null, spec.expiryOrNone().ttlS(), spec.expiryOrNone().idleTimeoutS(),
                spec.expiryOrNone().any() ? spec.expiryOrNone().onExpiry().wireName() : null, deadlines.expiresAt(),
                deadlines.idleExpiresAt(spec.expiryOrNone()), savedState, lastStart);
    }
}
