package banger.vm;

import java.util.Locale;

/** Where a VM is in its lifecycle. Transitional phases stash lifecycle commands until their outcome. */
public enum VmPhase {
    CREATED, STARTING, RUNNING, PAUSED,
    /** The guest's memory and device state are being saved; the VMM still runs, its vCPUs stopped. */
    SUSPENDING,
    /** The guest's state is saved beside its disk and no VMM runs: a start resumes it. */
    SUSPENDED,
    STOPPING, STOPPED, FAILED, DELETING, DELETED,
    /** The host could not be checked (its /proc entry unreadable): neither running nor stopped is known. */
    UNKNOWN;

    public boolean transitional() {
        return this == STARTING || this == STOPPING || this == DELETING || this == SUSPENDING;
    }

    /**
     * Phases in which the VM's sizes may change: nothing of it runs (a suspended VM whose sizes change boots cold
     * at its next start).
     */
    public boolean quiescent() {
        return this == CREATED || this == STOPPED || this == FAILED || this == SUSPENDED;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static VmPhase fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
