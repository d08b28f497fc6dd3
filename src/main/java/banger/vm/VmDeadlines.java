package banger.vm;

import banger.persistence.JsonSerializable;
import java.time.Instant;

/**
 * When a running VM's rules fire, as journaled: {@code expiresAt} (its ttl, counted from its start or the PATCH
 * that set it) and {@code lastActivity} (the last journaled API activity; idle expiry is that plus the idle
 * timeout). Both null while the VM does not run: the rules count only running time.
 */
public record VmDeadlines(Instant expiresAt, Instant lastActivity) implements JsonSerializable {

    public static final VmDeadlines NONE = new VmDeadlines(null, null);

    /** The deadlines after {@code event}, given the VM's state after it. */
    VmDeadlines apply(VmEvent event, VmState after) {
        Instant at = event.at();
        VmExpiry rules = after.spec() == null ? VmExpiry.NONE : after.spec().expiryOrNone();
        if (event instanceof VmEvent.Started) {
            return new VmDeadlines(rules.ttlS() == null ? null : at.plusSeconds(rules.ttlS()), at);
        } else if (event instanceof VmEvent.ExpiryChanged) {
            if (after.phase() != VmPhase.RUNNING) {
                return this;
            }
            return new VmDeadlines(rules.ttlS() == null ? null : at.plusSeconds(rules.ttlS()), at);
        } else if (event instanceof VmEvent.ActivityRecorded) {
            return new VmDeadlines(expiresAt, at);
        } else if (event instanceof VmEvent.Stopped || event instanceof VmEvent.StartFailed
                || event instanceof VmEvent.Deleted || event instanceof VmEvent.Suspended) {
            return NONE;
        }
        return this;
    }

    /** When the idle rule fires, or null. */
    Instant idleExpiresAt(VmExpiry rules) {
        return rules.idleTimeoutS() == null || lastActivity == null ? null : lastActivity.plusSeconds(rules.idleTimeoutS());
    }
}
